/**
 * Sockets made safe: the listening socket (overlapped, exclusive) and the
 * set-up of each accepted one. Every failing ws2_32 call becomes an OsError
 * at once, WSAGetLastError read straight after the call (wsaCheck), so no
 * result goes unchecked and no other call can overwrite the error first.
 */
import type { Pointer } from "bun:ffi";
import type { BoundAddress } from "../../engine.ts";
import { OsError } from "../../os-error.ts";
import { formatAddress, sockaddrPort, writeSockaddr } from "../sockaddr.ts";
import { win32Code } from "./errors.ts";
import type { CompletionPort } from "./completion-port.ts";
import { FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, FILE_SKIP_SET_EVENT_ON_HANDLE, kernel32 } from "./kernel32.ts";
import { type NativeBlock, writeU64 } from "./native.ts";
import { CTX_DONE, CTX_FLAGS, CTX_WSABUF } from "./op-context.ts";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SIO_KEEPALIVE_VALS,
  SO_EXCLUSIVEADDRUSE,
  SO_PROTOCOL_INFOW,
  SO_UPDATE_ACCEPT_CONTEXT,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOCKET_ERROR,
  SOL_SOCKET,
  TCP_NODELAY,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  WSAPROTOCOL_INFOW_BYTES,
  ws2_32,
  XP1_IFS_HANDLES,
} from "./ws2_32.ts";

const SOCKADDR = 0;
const NAMELEN = 64;
const OPTVAL = 72;
const LISTENER = 80;
const KEEPALIVE_VALS = 128;
const KEEPALIVE_RETURNED = 144;

/** The last WSA error of this thread as an OsError; read straight after the call. */
export function wsaError(call: string, detail?: string): OsError {
  const error = ws2_32.WSAGetLastError();
  return new OsError(call, win32Code(error), error, detail);
}

/** null when a ws2_32 call returned success; its error as an OsError when it returned SOCKET_ERROR. */
export function wsaCheck(call: string, result: number, detail?: string): OsError | null {
  return result === SOCKET_ERROR ? wsaError(call, detail) : null;
}

/** An overlapped TCP (or UDP) socket, not inherited by child processes; null on failure. */
export function overlappedSocket(family: number, transport: "tcp" | "udp" = "tcp"): number | null {
  const s = ws2_32.WSASocketW(
    family,
    transport === "udp" ? SOCK_DGRAM : SOCK_STREAM,
    transport === "udp" ? IPPROTO_UDP : IPPROTO_TCP,
    null,
    0,
    WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
  );
  return typeof s === "number" ? s : null; // INVALID_SOCKET comes back as a bigint
}

/** setsockopt with an int value; `label` names the option in the error. */
export function setIntOption(
  scratch: NativeBlock,
  socket: number,
  level: number,
  name: number,
  value: number,
  label: string,
): OsError | null {
  scratch.view.setInt32(OPTVAL, value, true);
  return wsaCheck(
    `setsockopt(${label})`,
    ws2_32.setsockopt(socket, level, name, (scratch.address + OPTVAL) as Pointer, 4),
  );
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
      const error = setIntOption(scratch, socket, level, name, value, label);
      if (error !== null) throw new OsError(error.call, error.code, error.raw, where);
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

export interface AcceptedSocketOptions {
  listener: number;
  port: CompletionPort;
  completionKey: number;
  /** null: keepalive off. */
  keepalive: { idleMs: number; intervalMs: number } | null;
  skipOnSuccess: boolean;
}

/**
 * What an AcceptEx socket needs before its first receive: the listener's
 * properties (SO_UPDATE_ACCEPT_CONTEXT, so getpeername and shutdown work),
 * TCP_NODELAY, keepalive, the completion port, and skip-on-success mode.
 * Returns whether that mode is on, or the error that makes the socket
 * unusable (the caller closes the connection and counts it).
 */
export function prepareAccepted(scratch: NativeBlock, socket: number, o: AcceptedSocketOptions): boolean | OsError {
  const at = (offset: number) => (scratch.address + offset) as Pointer;
  writeU64(scratch.view, LISTENER, o.listener);
  const update = ws2_32.setsockopt(socket, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, at(LISTENER), 8);
  const failed =
    wsaCheck("setsockopt(SO_UPDATE_ACCEPT_CONTEXT)", update) ??
    setIntOption(scratch, socket, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY") ??
    o.port.associate(socket, o.completionKey);
  if (failed !== null) return failed;
  if (o.keepalive !== null) {
    // SIO_KEEPALIVE_VALS turns keepalive on with our timings in one call
    // (Windows sends 10 probes). A failure only costs the early detection
    // of vanished peers, so the connection is served without it.
    scratch.view.setUint32(KEEPALIVE_VALS, 1, true);
    scratch.view.setUint32(KEEPALIVE_VALS + 4, o.keepalive.idleMs, true);
    scratch.view.setUint32(KEEPALIVE_VALS + 8, o.keepalive.intervalMs, true);
    ws2_32.WSAIoctl(socket, SIO_KEEPALIVE_VALS, at(KEEPALIVE_VALS), 12, null, 0, at(KEEPALIVE_RETURNED), null, null);
  }
  return o.skipOnSuccess && skipCompletionOnSuccess(socket);
}

/**
 * Puts the socket in FILE_SKIP_COMPLETION_PORT_ON_SUCCESS mode: an operation
 * that succeeds at once queues no packet, and the caller takes its result
 * from the call. Returns whether the mode is on. A refusal leaves the socket
 * in ordinary mode, where every result comes through the port: correct, one
 * packet per operation dearer.
 */
export function skipCompletionOnSuccess(socket: number): boolean {
  const modes = FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE;
  return kernel32.SetFileCompletionNotificationModes(socket, modes) !== 0;
}

/**
 * Whether the socket's provider hands out real file handles. A layered
 * (non-IFS) provider may complete operations in ways that skip-on-success
 * mishandles, so the mode is used only on an IFS provider, as libuv does.
 */
export function ifsProvider(socket: number, scratch: NativeBlock): boolean {
  const at = (o: number) => (scratch.address + o) as Pointer;
  const LENGTH = 1024;
  scratch.view.setInt32(LENGTH, WSAPROTOCOL_INFOW_BYTES, true);
  // Unknown provider: the mode stays off, which is always correct.
  const r = ws2_32.getsockopt(socket, SOL_SOCKET, SO_PROTOCOL_INFOW, at(0), at(LENGTH));
  if (wsaCheck("getsockopt(SO_PROTOCOL_INFOW)", r) !== null) return false;
  return (scratch.view.getUint32(0, true) & XP1_IFS_HANDLES) !== 0;
}

/**
 * WSARecv with everything from one operation context (op-context.ts) at
 * address `ctx`: its WSABUF, its byte count for a call that completes at
 * once, its flags and its OVERLAPPED (no closure per call: this is every
 * receive's path). Returns what WSARecv returns; on
 * SOCKET_ERROR the caller reads WSAGetLastError next (ERROR_IO_PENDING is
 * no failure).
 */
export function recvWithContext(socket: number, ctx: number): number {
  const buffers = (ctx + CTX_WSABUF) as Pointer;
  const flags = (ctx + CTX_FLAGS) as Pointer;
  return ws2_32.WSARecv(socket, buffers, 1, (ctx + CTX_DONE) as Pointer, flags, ctx as Pointer, null);
}

/** WSASend of one operation context at `ctx`, as recvWithContext (no flags). */
export function sendWithContext(socket: number, ctx: number): number {
  const buffers = (ctx + CTX_WSABUF) as Pointer;
  return ws2_32.WSASend(socket, buffers, 1, (ctx + CTX_DONE) as Pointer, 0, ctx as Pointer, null);
}
