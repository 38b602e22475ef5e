/** The listening socket: overlapped, exclusive, associated with the port. */
import type { Pointer } from "bun:ffi";
import type { BoundAddress } from "../engine.ts";
import { OsError } from "../os-error.ts";
import { formatAddress, sockaddrPort, writeSockaddr } from "../sockaddr.ts";
import { win32Code } from "./errors.ts";
import type { NativeBlock } from "./native.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  SO_EXCLUSIVEADDRUSE,
  SOCK_STREAM,
  SOCKET_ERROR,
  SOL_SOCKET,
  TCP_NODELAY,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  ws2_32,
} from "./ws2_32.ts";

const SOCKADDR = 0;
const NAMELEN = 64;
const OPTVAL = 72;

/** The last WSA error of this thread as an OsError; read straight after the call. */
export function wsaError(call: string, detail?: string): OsError {
  const error = ws2_32.WSAGetLastError();
  return new OsError(call, win32Code(error), error, detail);
}

/** An overlapped TCP socket, not inherited by child processes; null on failure. */
export function overlappedSocket(family: number): number | null {
  const s = ws2_32.WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, null, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  return typeof s === "number" ? s : null; // INVALID_SOCKET comes back as a bigint
}

export function setIntOption(scratch: NativeBlock, socket: number, level: number, name: number, value: number): boolean {
  scratch.view.setInt32(OPTVAL, value, true);
  return ws2_32.setsockopt(socket, level, name, (scratch.address + OPTVAL) as Pointer, 4) !== SOCKET_ERROR;
}

/**
 * SO_EXCLUSIVEADDRUSE, not SO_REUSEADDR: on Windows SO_REUSEADDR would let
 * another process bind the same port and steal connections.
 */
export function listenTcp(scratch: NativeBlock, host: string, port: number, backlog: number) {
  const where = formatAddress(host, port);
  const { v6, length } = writeSockaddr(scratch.view, SOCKADDR, host, port, AF_INET6);
  const family = v6 ? AF_INET6 : AF_INET;
  const socket = overlappedSocket(family);
  if (socket === null) throw wsaError("WSASocketW", where);
  try {
    const option = (label: string, level: number, name: number, value: number) => {
      if (!setIntOption(scratch, socket, level, name, value)) throw wsaError(`setsockopt(${label})`, where);
    };
    option("SO_EXCLUSIVEADDRUSE", SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
    option("TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 1);
    if (v6) option("IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, host === "::" ? 0 : 1);
    writeSockaddr(scratch.view, SOCKADDR, host, port, AF_INET6);
    const at = (o: number) => (scratch.address + o) as Pointer;
    if (ws2_32.bind(socket, at(SOCKADDR), length) === SOCKET_ERROR) throw wsaError("bind", where);
    if (ws2_32.listen(socket, backlog) === SOCKET_ERROR) throw wsaError("listen", where);
    scratch.view.setInt32(NAMELEN, 64, true);
    if (ws2_32.getsockname(socket, at(SOCKADDR), at(NAMELEN)) === SOCKET_ERROR) throw wsaError("getsockname", where);
    const bound: BoundAddress = { host, port: sockaddrPort(scratch.view, SOCKADDR) };
    return { socket, family, bound };
  } catch (error) {
    ws2_32.closesocket(socket);
    throw error;
  }
}
