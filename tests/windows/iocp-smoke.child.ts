/**
 * Compiled to an .exe and run under Wine (a crash fails one test, not the
 * runner): post then dequeue on a completion port, and a socket call that
 * fails synchronously, with its error code read across the FFI boundary.
 */
import { toArrayBuffer, type Pointer } from "bun:ffi";
import { kernel32, MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from "../../src/ffi/win32/kernel32.ts";
import { ALL_ONES } from "../../src/ffi/win32/types.ts";
import { SOCKET_ERROR, WSADATA_BYTES, ws2_32 } from "../../src/ffi/win32/ws2_32.ts";

const port = kernel32.CreateIoCompletionPort(ALL_ONES, 0, 0, 0);
const base = Number(kernel32.VirtualAlloc(null, 65536, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
const mem = new DataView(toArrayBuffer(base as Pointer, 0, 65536));
const posted = kernel32.PostQueuedCompletionStatus(port, 77, 0x1234, 0 as unknown as Pointer);
const ok = kernel32.GetQueuedCompletionStatusEx(port, base as Pointer, 8, (base + 1024) as Pointer, 1000, 0);
const removed = mem.getUint32(1024, true);
const entry = {
  key: Number(mem.getBigUint64(0, true)),
  overlapped: Number(mem.getBigUint64(8, true)),
  bytes: mem.getUint32(24, true),
};
const timedOut = kernel32.GetQueuedCompletionStatusEx(port, base as Pointer, 8, (base + 1024) as Pointer, 10, 0);
const timeoutError = kernel32.GetLastError();

// base+2048 leaves room for a WSADATA before the WSABUF at base+4096.
const startup = ws2_32.WSAStartup(0x0202, (base + 2048) as Pointer);
if (2048 + WSADATA_BYTES > 4096) throw new Error("WSADATA would overlap the WSABUF");
// A WSABUF at base+4096 pointing at base+8192; socket 12345 does not exist.
mem.setUint32(4096, 16, true);
mem.setBigUint64(4104, BigInt(base + 8192), true);
const recv = ws2_32.WSARecv(
  12345,
  (base + 4096) as Pointer,
  1,
  null,
  (base + 4200) as Pointer,
  (base + 4300) as Pointer,
  null,
);
const recvError = ws2_32.WSAGetLastError();
console.log(
  JSON.stringify({
    portValid: typeof port === "number" && port !== 0,
    posted,
    ok,
    removed,
    entry,
    timedOut,
    timeoutError,
    startup,
    recvFailed: recv === SOCKET_ERROR,
    recvError,
    threadId: kernel32.GetCurrentThreadId(),
  }),
);
