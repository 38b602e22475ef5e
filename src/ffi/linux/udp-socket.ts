/**
 * The UDP echo socket, opened once by the host on the main thread beside the
 * TCP listener (same host, same port). Plain synchronous libc calls; the
 * sockaddr lives in native scratch memory, never in a typed array the
 * collector could move.
 */
import type { Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { formatAddress, writeSockaddr } from "../sockaddr.ts";
import { allocateNative, check, lastErrno, libc } from "./libc.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
/**
 * Socket buffers asked for (the kernel caps them at net.core.rmem_max /
 * wmem_max): a burst of datagrams waits here while the workers catch up
 * instead of being dropped by a default-sized queue.
 */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

const scratch = allocateNative(4096);
const view = new DataView(scratch.bytes);
const SOCKADDR = 0;
const OPTVAL = 136;
const at = (offset: number) => (scratch.address + offset) as Pointer;

function setIntOption(fd: number, level: number, name: number, value: number, label: string): void {
  view.setInt32(OPTVAL, value, true);
  check(`setsockopt(${label})`, libc.setsockopt(fd, level, name, at(OPTVAL), 4));
}

/**
 * socket + bind of a datagram socket on host:port, where the TCP listener
 * already is (so `port` is never 0 here). `::` is dual-stack, as for TCP; any
 * other IPv6 address is IPv6 only. Throws an OsError naming the address.
 */
export function bindUdp(host: string, port: number): number {
  const where = `udp ${formatAddress(host, port)}`;
  const { v6, length } = writeSockaddr(view, SOCKADDR, host, port, AF_INET6);
  const fd = check("socket", libc.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), where);
  try {
    if (v6) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, host === "::" ? 0 : 1, "IPV6_V6ONLY");
    // Larger queues only help; a kernel that caps them is not an error.
    view.setInt32(OPTVAL, SOCKET_BUFFER_BYTES, true);
    libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, at(OPTVAL), 4);
    libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, at(OPTVAL), 4);
    if (libc.bind(fd, at(SOCKADDR), length) === -1) throw OsError.fromErrno("bind", lastErrno(), where);
    return fd;
  } catch (error) {
    libc.close(fd);
    throw error;
  }
}
