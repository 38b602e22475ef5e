/**
 * The Microsoft-specific Winsock extensions. They are not exported by name
 * from a DLL a program should link: the documented way (libuv's
 * src/win/winsock.c does the same) is to ask a socket of the right family for
 * the function pointer with WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER),
 * then call it through CFunction.
 */
import { CFunction, type Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { win32Code } from "./errors.ts";
import { BOOL, DWORD, INT, LPVOID, SOCKET } from "./types.ts";
import { SIO_GET_EXTENSION_FUNCTION_POINTER, SOCKET_ERROR, ws2_32 } from "./ws2_32.ts";

// https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nf-mswsock-acceptex
const WSAID_ACCEPTEX = guid(0xb5367df1, 0xcbac, 0x11cf, [0x95, 0xca, 0x00, 0x80, 0x5f, 0x48, 0xa1, 0x92]);
// https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nc-mswsock-lpfn_connectex
const WSAID_CONNECTEX = guid(0x25a207b9, 0xddf3, 0x4660, [0x8e, 0xe9, 0x76, 0xe5, 0x8c, 0x74, 0x06, 0x3e]);

function guid(a: number, b: number, c: number, d: number[]): number[] {
  const bytes = new Uint8Array(16);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, a, true);
  v.setUint16(4, b, true);
  v.setUint16(6, c, true);
  bytes.set(d, 8);
  return [...bytes];
}

/**
 * AcceptEx's address, looked up on `socket`, as a number: it crosses to the
 * workers by structured clone. `scratch` is native memory of at least 32
 * bytes (the GUID in, the pointer out, the byte count).
 */
export function loadAcceptEx(socket: number, scratch: { address: number; view: DataView }): number {
  return extensionAddress(socket, scratch, "AcceptEx", WSAID_ACCEPTEX);
}

/** ConnectEx's address, looked up on `socket` (a socket of the family it will connect); `scratch` as for AcceptEx. */
export function loadConnectEx(socket: number, scratch: { address: number; view: DataView }): number {
  return extensionAddress(socket, scratch, "ConnectEx", WSAID_CONNECTEX);
}

function extensionAddress(socket: number, scratch: { address: number; view: DataView }, name: string, id: number[]) {
  new Uint8Array(scratch.view.buffer, scratch.view.byteOffset, 16).set(id);
  const at = (o: number) => (scratch.address + o) as Pointer;
  const r = ws2_32.WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, at(0), 16, at(16), 8, at(24), null, null);
  if (r === SOCKET_ERROR) {
    const error = ws2_32.WSAGetLastError();
    throw new OsError(`WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER, ${name})`, win32Code(error), error);
  }
  return Number(scratch.view.getBigUint64(16, true));
}

/** AcceptEx, callable from this thread. */
export function bindAcceptEx(address: number) {
  return CFunction({
    ptr: address as Pointer,
    // sListenSocket, sAcceptSocket, lpOutputBuffer, dwReceiveDataLength,
    // dwLocalAddressLength, dwRemoteAddressLength, lpdwBytesReceived, lpOverlapped
    args: [SOCKET, SOCKET, LPVOID, DWORD, DWORD, DWORD, LPVOID, LPVOID],
    returns: BOOL,
  });
}

/**
 * ConnectEx, callable from this thread. The socket must be bound first, and
 * after the completion SO_UPDATE_CONNECT_CONTEXT gives it the ordinary
 * connected state (shutdown and getpeername need it).
 */
export function bindConnectEx(address: number) {
  return CFunction({
    ptr: address as Pointer,
    // s, name, namelen, lpSendBuffer, dwSendDataLength, lpdwBytesSent, lpOverlapped
    args: [SOCKET, LPVOID, INT, LPVOID, DWORD, LPVOID, LPVOID],
    returns: BOOL,
  });
}
