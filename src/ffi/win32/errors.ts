/**
 * Windows error numbers -> the shared vocabulary (negative Linux errno, as
 * io_uring's cqe.res carries it). Two sources: the NTSTATUS a completed
 * operation leaves in OVERLAPPED.Internal, and the Win32/WSA code a call
 * that failed at once leaves for GetLastError/WSAGetLastError.
 *
 * A remote reset and a local closesocket both surface as
 * ERROR_NETNAME_DELETED (64) / STATUS_NETWORK_NAME_DELETED: both map to
 * ECONNRESET, and the loop's per-slot closing state tells them apart.
 */
import { ERRNO, type ErrorCode } from "../../os-error.ts";

const NTSTATUS = new Map<number, ErrorCode>([
  [0x80000005, "EMSGSIZE"], // STATUS_BUFFER_OVERFLOW: a datagram larger than the buffer (WSAEMSGSIZE)
  [0xc0000008, "EBADF"], // STATUS_INVALID_HANDLE
  [0xc000000d, "EINVAL"], // STATUS_INVALID_PARAMETER
  [0xc0000022, "EACCES"], // STATUS_ACCESS_DENIED
  [0xc000009a, "ENOBUFS"], // STATUS_INSUFFICIENT_RESOURCES
  [0xc00000b5, "ETIMEDOUT"], // STATUS_IO_TIMEOUT
  [0xc00000c9, "ECONNRESET"], // STATUS_NETWORK_NAME_DELETED (ERROR_NETNAME_DELETED, 64)
  [0xc0000120, "ECANCELED"], // STATUS_CANCELLED (ERROR_OPERATION_ABORTED, 995)
  [0xc000013b, "ECONNABORTED"], // STATUS_LOCAL_DISCONNECT
  [0xc000013c, "ECONNRESET"], // STATUS_REMOTE_DISCONNECT
  [0xc000014b, "EPIPE"], // STATUS_PIPE_BROKEN
  [0xc000020c, "ECONNRESET"], // STATUS_CONNECTION_DISCONNECTED
  [0xc000020d, "ECONNRESET"], // STATUS_CONNECTION_RESET
  [0xc0000236, "ECONNREFUSED"], // STATUS_CONNECTION_REFUSED
  [0xc000023c, "ENETUNREACH"], // STATUS_NETWORK_UNREACHABLE
  [0xc000023d, "EHOSTUNREACH"], // STATUS_HOST_UNREACHABLE
  [0xc000023f, "ECONNREFUSED"], // STATUS_PORT_UNREACHABLE (a TCP connect refused; a UDP receive after an ICMP, which the loop re-posts)
  [0xc0000241, "ECONNABORTED"], // STATUS_CONNECTION_ABORTED
]);

const WIN32: Record<number, ErrorCode> = {
  5: "EACCES", // ERROR_ACCESS_DENIED
  6: "EBADF", // ERROR_INVALID_HANDLE
  8: "ENOMEM", // ERROR_NOT_ENOUGH_MEMORY
  64: "ECONNRESET", // ERROR_NETNAME_DELETED
  87: "EINVAL", // ERROR_INVALID_PARAMETER
  995: "ECANCELED", // ERROR_OPERATION_ABORTED
  1236: "ECONNABORTED", // ERROR_CONNECTION_ABORTED
  10013: "EACCES", // WSAEACCES
  10022: "EINVAL", // WSAEINVAL
  10024: "EMFILE", // WSAEMFILE
  10035: "EAGAIN", // WSAEWOULDBLOCK
  10038: "ENOTSOCK", // WSAENOTSOCK
  10040: "EMSGSIZE", // WSAEMSGSIZE
  10045: "EOPNOTSUPP", // WSAEOPNOTSUPP
  10047: "EAFNOSUPPORT", // WSAEAFNOSUPPORT
  10048: "EADDRINUSE", // WSAEADDRINUSE
  10049: "EADDRNOTAVAIL", // WSAEADDRNOTAVAIL
  10050: "ENETDOWN", // WSAENETDOWN
  10051: "ENETUNREACH", // WSAENETUNREACH
  10052: "ENETRESET", // WSAENETRESET (UDP: an ICMP "TTL expired" about an earlier datagram)
  10053: "ECONNABORTED", // WSAECONNABORTED
  10054: "ECONNRESET", // WSAECONNRESET
  10055: "ENOBUFS", // WSAENOBUFS
  10057: "ENOTCONN", // WSAENOTCONN
  10058: "EPIPE", // WSAESHUTDOWN
  10060: "ETIMEDOUT", // WSAETIMEDOUT
  10061: "ECONNREFUSED", // WSAECONNREFUSED
  10065: "EHOSTUNREACH", // WSAEHOSTUNREACH
};

/** A completion's NTSTATUS -> 0 or a negative errno. */
export function statusToRes(ntstatus: number): number {
  const status = ntstatus >>> 0;
  if (status === 0) return 0;
  return -ERRNO[NTSTATUS.get(status) ?? "EIO"];
}

/** A Win32/WSA error code -> the portable name (EIO when unknown). */
export function win32Code(error: number): ErrorCode {
  return WIN32[error] ?? "EIO";
}

/** A Win32/WSA error code -> a negative errno. */
export function win32ToRes(error: number): number {
  return -ERRNO[win32Code(error)];
}
