/**
 * Compiled to an .exe and run under Wine (a crash fails one test, not the
 * runner): post then dequeue on a CompletionPort, read back by named
 * OVERLAPPED_ENTRY fields; associating a handle that is not one comes back
 * as an OsError; and a socket call that fails synchronously, with its error
 * code read across the FFI boundary.
 */
import { toArrayBuffer, type Pointer } from "bun:ffi";
import { CompletionEntries, CompletionPort } from "../../src/ffi/win32/completion-port.ts";
import { kernel32, MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from "../../src/ffi/win32/kernel32.ts";
import { SOCKET_ERROR, WSADATA_BYTES, ws2_32 } from "../../src/ffi/win32/ws2_32.ts";

const port = CompletionPort.create();
const entries = new CompletionEntries(8);
const base = Number(kernel32.VirtualAlloc(null, 65536, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
const mem = new DataView(toArrayBuffer(base as Pointer, 0, 65536));
port.post(77, 0x1234);
const removed = port.getMany(entries, 8, 1000);
const entry = { key: entries.key(0), overlapped: entries.overlapped(0), bytes: entries.bytes(0) };
const timedOut = port.getMany(entries, 8, 10);
const notAHandle = port.associate(0x7ffff0, 1);

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
    portValid: port.handle !== 0,
    removed,
    entry,
    timedOut,
    associateError: notAHandle && { call: notAHandle.call, code: notAHandle.code, raw: notAHandle.raw },
    startup,
    recvFailed: recv === SOCKET_ERROR,
    recvError,
    threadId: kernel32.GetCurrentThreadId(),
  }),
);
