/**
 * Listening sockets with plain synchronous libc calls. These run once at
 * start-up on the main thread; the kernel copies the sockaddr during each
 * call, and the sockaddr still lives in native scratch memory, never in a
 * typed array that the collector could move.
 */
import type { Pointer } from "bun:ffi";
import { keepaliveTiming, type BoundAddress } from "../../engine.ts";
import { OsError } from "../../os-error.ts";
import { formatAddress, sockaddrPort, writeSockaddr } from "../sockaddr.ts";
import { SOCK_CLOEXEC } from "./io-uring-abi.ts";
import { allocateNative, check, lastErrno, libc } from "./libc.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;

const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const SO_KEEPALIVE = 9;
const TCP_KEEPIDLE = 4;
const TCP_KEEPINTVL = 5;
const TCP_KEEPCNT = 6;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
export const SHUT_RDWR = 2;

const scratch = allocateNative(4096);
const view = new DataView(scratch.bytes);
const SOCKADDR = 0;
const SOCKLEN = 128;
const OPTVAL = 136;
const at = (offset: number) => (scratch.address + offset) as Pointer;

function setIntOption(fd: number, level: number, name: number, value: number, label: string): void {
  view.setInt32(OPTVAL, value, true);
  check(`setsockopt(${label})`, libc.setsockopt(fd, level, name, at(OPTVAL), 4));
}

/**
 * socket + SO_REUSEADDR + bind + listen. On Linux SO_REUSEADDR only lets us
 * rebind over TIME_WAIT; a second live listener on the port still gets
 * EADDRINUSE, which is what "port already taken" must report.
 */
export function listenTcp(
  host: string,
  port: number,
  backlog: number,
  keepaliveMs: number,
): { fd: number; bound: BoundAddress } {
  const where = formatAddress(host, port);
  const { v6, length } = writeSockaddr(view, SOCKADDR, host, port, AF_INET6);
  const family = v6 ? AF_INET6 : AF_INET;
  const fd = check("socket", libc.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), where);
  try {
    setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    // Accepted sockets inherit TCP_NODELAY: an echo must not wait for Nagle.
    setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    if (keepaliveMs > 0) {
      // Inherited too: a socket accept(2) returns is a clone of the listener,
      // keepalive flag and timings included, so no call per connection.
      const { idleMs, intervalMs, probes } = keepaliveTiming(keepaliveMs);
      setIntOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
      setIntOption(fd, IPPROTO_TCP, TCP_KEEPIDLE, idleMs / 1000, "TCP_KEEPIDLE");
      setIntOption(fd, IPPROTO_TCP, TCP_KEEPINTVL, intervalMs / 1000, "TCP_KEEPINTVL");
      setIntOption(fd, IPPROTO_TCP, TCP_KEEPCNT, probes, "TCP_KEEPCNT");
    }
    if (family === AF_INET6) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, host === "::" ? 0 : 1, "IPV6_V6ONLY");
    if (libc.bind(fd, at(SOCKADDR), length) === -1) throw OsError.fromErrno("bind", lastErrno(), where);
    if (libc.listen(fd, backlog) === -1) throw OsError.fromErrno("listen", lastErrno(), where);
    view.setUint32(SOCKLEN, 128, true);
    check("getsockname", libc.getsockname(fd, at(SOCKADDR), at(SOCKLEN)), where);
    return { fd, bound: { host, port: sockaddrPort(view, SOCKADDR) } };
  } catch (error) {
    libc.close(fd);
    throw error;
  }
}
