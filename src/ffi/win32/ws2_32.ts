/**
 * ws2_32 entry points, hand-written from the Microsoft docs (linked per
 * entry). AcceptEx is not here: it lives behind
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER), see mswsock.ts. Outside this
 * table, results are checked through sockets.ts (wsaCheck, wsaError).
 */
import { dlopen } from "bun:ffi";
import { DWORD, INT, LPVOID, SOCKET, SOCKET_RESULT, WORD } from "./types.ts";

const lib = dlopen("ws2_32.dll", {
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-bind
  bind: { args: [SOCKET, LPVOID, INT], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-closesocket
  closesocket: { args: [SOCKET], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-connect
  connect: { args: [SOCKET, LPVOID, INT], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-getsockname
  getsockname: { args: [SOCKET, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-getsockopt
  getsockopt: { args: [SOCKET, INT, INT, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-listen
  listen: { args: [SOCKET, INT], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-setsockopt
  setsockopt: { args: [SOCKET, INT, INT, LPVOID, INT], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-shutdown
  shutdown: { args: [SOCKET, INT], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-wsagetlasterror
  WSAGetLastError: { args: [], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsaioctl
  WSAIoctl: { args: [SOCKET, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPVOID, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecv
  WSARecv: { args: [SOCKET, LPVOID, DWORD, LPVOID, LPVOID, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvfrom
  WSARecvFrom: { args: [SOCKET, LPVOID, DWORD, LPVOID, LPVOID, LPVOID, LPVOID, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasend
  WSASend: { args: [SOCKET, LPVOID, DWORD, LPVOID, DWORD, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasendto
  WSASendTo: { args: [SOCKET, LPVOID, DWORD, LPVOID, DWORD, LPVOID, INT, LPVOID, LPVOID], returns: INT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasocketw
  WSASocketW: { args: [INT, INT, INT, LPVOID, DWORD, DWORD], returns: SOCKET_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-wsastartup
  WSAStartup: { args: [WORD, LPVOID], returns: INT },
});

export const ws2_32 = lib.symbols;

export const SOCKET_ERROR = -1;
export const AF_INET = 2;
export const AF_INET6 = 23;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const IPPROTO_UDP = 17;
export const SO_SNDBUF = 0x1001;
export const SO_RCVBUF = 0x1002;
/**
 * WSAIoctl with a FALSE BOOL: an ICMP port-unreachable no longer fails the
 * socket's next WSARecvFrom with WSAECONNRESET.
 * https://learn.microsoft.com/en-us/windows/win32/winsock/winsock-ioctls (_WSAIOW(IOC_VENDOR, 12))
 */
export const SIO_UDP_CONNRESET = 0x9800000c;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const SOL_SOCKET = 0xffff;
export const SO_REUSEADDR = 4;
/** ~SO_REUSEADDR: no other socket may bind the port, whatever its options. */
export const SO_EXCLUSIVEADDRUSE = ~SO_REUSEADDR;
export const SO_UPDATE_ACCEPT_CONTEXT = 0x700b;
/** setsockopt(SOL_SOCKET) after ConnectEx completes. */
export const SO_UPDATE_CONNECT_CONTEXT = 0x7010;
export const TCP_NODELAY = 1;
/** getsockopt: the socket's WSAPROTOCOL_INFOW (628 bytes; dwServiceFlags1 first). */
export const SO_PROTOCOL_INFOW = 0x2005;
export const WSAPROTOCOL_INFOW_BYTES = 628;
/** dwServiceFlags1: the provider's sockets are real file handles (no layered LSP in the way). */
export const XP1_IFS_HANDLES = 0x00020000;
export const IPV6_V6ONLY = 27;
export const SD_BOTH = 2;
export const WSA_FLAG_OVERLAPPED = 0x01;
export const WSA_FLAG_NO_HANDLE_INHERIT = 0x80;
export const SIO_GET_EXTENSION_FUNCTION_POINTER = 0xc8000006;
/** https://learn.microsoft.com/en-us/windows/win32/winsock/sio-keepalive-vals */
export const SIO_KEEPALIVE_VALS = 0x98000004;
/** sizeof(WSADATA) on x64. */
export const WSADATA_BYTES = 408;
