/**
 * Listening sockets with plain synchronous libc calls. These run once at
 * start-up on the main thread; the kernel copies the sockaddr during each
 * call, and the sockaddr still lives in native scratch memory, never in a
 * typed array that the collector could move.
 */
import { isIPv4 } from "node:net";
import type { Pointer } from "bun:ffi";
import type { BoundAddress } from "../engine.ts";
import { OsError } from "../os-error.ts";
import { allocateNative, check, lastErrno, libc } from "./libc.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
export const SHUT_RDWR = 2;

const scratch = allocateNative(4096);
const bytes = new Uint8Array(scratch.bytes);
const view = new DataView(scratch.bytes);
const SOCKADDR = 0;
const SOCKLEN = 128;
const OPTVAL = 136;
const at = (offset: number) => (scratch.address + offset) as Pointer;

function setIntOption(fd: number, level: number, name: number, value: number, label: string): void {
  view.setInt32(OPTVAL, value, true);
  check(`setsockopt(${label})`, libc.setsockopt(fd, level, name, at(OPTVAL), 4));
}

/** Writes a sockaddr for `host:port` into scratch; returns its length. */
function writeSockaddr(host: string, port: number): { family: number; length: number } {
  bytes.fill(0, SOCKADDR, SOCKADDR + 128);
  if (isIPv4(host)) {
    view.setUint16(SOCKADDR, AF_INET, true);
    view.setUint16(SOCKADDR + 2, port, false);
    bytes.set(host.split(".").map(Number), SOCKADDR + 4);
    return { family: AF_INET, length: 16 };
  }
  view.setUint16(SOCKADDR, AF_INET6, true);
  view.setUint16(SOCKADDR + 2, port, false);
  bytes.set(ipv6Bytes(host), SOCKADDR + 8);
  return { family: AF_INET6, length: 28 };
}

/** "::1" -> 16 bytes. The config has already checked it is an IPv6 literal. */
export function ipv6Bytes(host: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head = "", tail] = host.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  for (const [i, g] of all.entries()) {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  return out;
}

/**
 * socket + SO_REUSEADDR + bind + listen. On Linux SO_REUSEADDR only lets us
 * rebind over TIME_WAIT; a second live listener on the port still gets
 * EADDRINUSE, which is what "port already taken" must report.
 */
export function listenTcp(host: string, port: number, backlog: number): { fd: number; bound: BoundAddress } {
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const { family, length } = writeSockaddr(host, port);
  const fd = check("socket", libc.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), where);
  try {
    setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    // Accepted sockets inherit TCP_NODELAY: an echo must not wait for Nagle.
    setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    if (family === AF_INET6) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, host === "::" ? 0 : 1, "IPV6_V6ONLY");
    writeSockaddr(host, port);
    if (libc.bind(fd, at(SOCKADDR), length) === -1) throw OsError.fromErrno("bind", lastErrno(), where);
    if (libc.listen(fd, backlog) === -1) throw OsError.fromErrno("listen", lastErrno(), where);
    view.setUint32(SOCKLEN, 128, true);
    check("getsockname", libc.getsockname(fd, at(SOCKADDR), at(SOCKLEN)), where);
    return { fd, bound: { host, port: view.getUint16(SOCKADDR + 2, false) } };
  } catch (error) {
    libc.close(fd);
    throw error;
  }
}
