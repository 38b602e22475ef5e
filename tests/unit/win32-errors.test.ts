import { expect, test } from "bun:test";
import { ERRNO } from "../../src/os-error.ts";
import { statusToRes, win32Code, win32ToRes } from "../../src/ffi/win32/errors.ts";

test("a completion's NTSTATUS becomes the shared -errno", () => {
  expect(statusToRes(0)).toBe(0);
  expect(statusToRes(0xc0000120)).toBe(-ERRNO.ECANCELED); // STATUS_CANCELLED (995)
  expect(statusToRes(0xc000020d)).toBe(-ERRNO.ECONNRESET); // STATUS_CONNECTION_RESET
  expect(statusToRes(0xc00000c9)).toBe(-ERRNO.ECONNRESET); // STATUS_NETWORK_NAME_DELETED (64)
  expect(statusToRes(0xc000013b)).toBe(-ERRNO.ECONNABORTED); // STATUS_LOCAL_DISCONNECT
  expect(statusToRes(0xc000014b)).toBe(-ERRNO.EPIPE);
  expect(statusToRes(0xc0001234)).toBe(-ERRNO.EIO); // unknown: still an error, never success
});

test("a negative Int32 read of the same NTSTATUS translates the same", () => {
  expect(statusToRes(0xc0000120 | 0)).toBe(-ERRNO.ECANCELED);
});

test("reset and local close both read as ECONNRESET: the loop's closing state tells them apart", () => {
  expect(win32Code(10054)).toBe("ECONNRESET"); // WSAECONNRESET
  expect(win32Code(64)).toBe("ECONNRESET"); // ERROR_NETNAME_DELETED
  expect(win32Code(995)).toBe("ECANCELED"); // only CancelIoEx gives this
});

test("the WSA start-up and bind errors a user meets are named", () => {
  expect(win32Code(10048)).toBe("EADDRINUSE");
  expect(win32Code(10013)).toBe("EACCES");
  expect(win32Code(10049)).toBe("EADDRNOTAVAIL");
  expect(win32Code(10038)).toBe("ENOTSOCK");
  expect(win32Code(99999)).toBe("EIO");
  expect(win32ToRes(10053)).toBe(-ERRNO.ECONNABORTED);
});

test("UDP receive results: an oversized datagram is EMSGSIZE, ICMP-caused failures are the peer-gone codes", () => {
  expect(statusToRes(0x80000005)).toBe(-ERRNO.EMSGSIZE); // STATUS_BUFFER_OVERFLOW (WSAEMSGSIZE), a warning status
  expect(statusToRes(0xc000023f)).toBe(-ERRNO.ECONNREFUSED); // STATUS_PORT_UNREACHABLE: re-posted like WSAECONNRESET
  expect(statusToRes(0xc000023d)).toBe(-ERRNO.EHOSTUNREACH);
  expect(statusToRes(0xc000023c)).toBe(-ERRNO.ENETUNREACH);
  expect(win32Code(10040)).toBe("EMSGSIZE"); // WSAEMSGSIZE
  expect(win32Code(10052)).toBe("ENETRESET"); // WSAENETRESET
});
