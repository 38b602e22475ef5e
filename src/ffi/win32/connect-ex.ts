/**
 * ConnectEx: like AcceptEx, a Microsoft extension reached through
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER) on a socket of the right
 * family, then called through CFunction. The socket must be bound before
 * the call, and after the completion SO_UPDATE_CONNECT_CONTEXT gives it the
 * ordinary connected-socket state (shutdown, getpeername need it).
 */
import { CFunction, type Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { win32Code } from "./errors.ts";
import { BOOL, DWORD, INT, LPVOID, SOCKET } from "./types.ts";
import { SIO_GET_EXTENSION_FUNCTION_POINTER, SOCKET_ERROR, ws2_32 } from "./ws2_32.ts";

// https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nc-mswsock-lpfn_connectex
const WSAID_CONNECTEX = [
  0xb9, 0x07, 0xa2, 0x25, 0xf3, 0xdd, 0x60, 0x46, 0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e,
];
/** setsockopt(SOL_SOCKET) after ConnectEx completes. */
export const SO_UPDATE_CONNECT_CONTEXT = 0x7010;

export type ConnectEx = (
  socket: number,
  name: Pointer,
  nameLength: number,
  sendBuffer: null,
  sendLength: number,
  bytesSent: null,
  overlapped: Pointer,
) => number;

/** Looks ConnectEx up on `socket`; `scratch` is 64 bytes of native memory (GUID in, pointer out, byte count). */
export function loadConnectEx(socket: number, scratch: { address: number; view: DataView }): ConnectEx {
  new Uint8Array(scratch.view.buffer, scratch.view.byteOffset, 16).set(WSAID_CONNECTEX);
  const at = (o: number) => (scratch.address + o) as Pointer;
  const r = ws2_32.WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, at(0), 16, at(16), 8, at(24), null, null);
  if (r === SOCKET_ERROR) {
    const error = ws2_32.WSAGetLastError();
    throw new OsError("WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER, ConnectEx)", win32Code(error), error);
  }
  const fn = CFunction({
    ptr: Number(scratch.view.getBigUint64(16, true)) as Pointer,
    // s, name, namelen, lpSendBuffer, dwSendDataLength, lpdwBytesSent, lpOverlapped
    args: [SOCKET, LPVOID, INT, LPVOID, DWORD, LPVOID, LPVOID],
    returns: BOOL,
  });
  return fn as unknown as ConnectEx;
}
