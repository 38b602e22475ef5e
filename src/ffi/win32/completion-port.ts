/**
 * The I/O completion port, in the manner of mio's CompletionPort
 * (src/sys/windows/iocp.rs): each method makes one kernel32 call, checks its
 * result and throws or returns an OsError at once, GetLastError read straight
 * after the call inside the same method. Names are domain words; the Win32
 * spellings stay in kernel32.ts.
 *
 * One port serves the whole process: the host creates it, every worker opens
 * a CompletionPort on the same handle with its own entry array.
 */
import type { Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { TWO_POW_32 } from "../u64.ts";
import { win32Code } from "./errors.ts";
import { kernel32, WAIT_TIMEOUT } from "./kernel32.ts";
import { allocate, type NativeBlock, release } from "./native.ts";
import { OVERLAPPED_ENTRY } from "./op-context.ts";
import { ALL_ONES, isValidHandle } from "./types.ts";

/** The last Win32 error of this thread as an OsError; call straight after the failed call. */
function lastError(call: string, detail?: string): OsError {
  const error = kernel32.GetLastError();
  return new OsError(call, win32Code(error), error, detail);
}

export class CompletionPort {
  private constructor(readonly handle: number) {}

  /** A new port (CreateIoCompletionPort with no file), any number of threads. */
  static create(): CompletionPort {
    const handle = kernel32.CreateIoCompletionPort(ALL_ONES, 0, 0, 0);
    if (!isValidHandle(handle)) throw lastError("CreateIoCompletionPort");
    return new CompletionPort(handle);
  }

  /** A worker's view of the host's port. */
  static of(handle: number): CompletionPort {
    return new CompletionPort(handle);
  }

  /** Completions of `handle` (a socket) come to this port with `key`. */
  associate(handle: number, key: number): OsError | null {
    const r = kernel32.CreateIoCompletionPort(handle, this.handle, key, 0);
    return isValidHandle(r) ? null : lastError("CreateIoCompletionPort", "associating a socket");
  }

  /** A packet with no OVERLAPPED: `bytes` arrives as dwNumberOfBytesTransferred. */
  post(bytes: number, key: number): void {
    if (kernel32.PostQueuedCompletionStatus(this.handle, bytes, key, null) === 0) {
      throw lastError("PostQueuedCompletionStatus");
    }
  }

  /**
   * GetQueuedCompletionStatusEx into `entries`, at most `max` of them,
   * blocking up to `timeoutMs` (INFINITE: no limit). Returns how many were
   * removed, 0 when the wait timed out. Each entry's status is its
   * OVERLAPPED's Internal field, not this call's result.
   */
  getMany(entries: CompletionEntries, max: number, timeoutMs: number): number {
    // LIFETIME: the kernel writes the entry array only during this call.
    const ok = kernel32.GetQueuedCompletionStatusEx(
      this.handle,
      entries.address as Pointer,
      Math.min(max, entries.capacity),
      entries.removedAddress as Pointer,
      timeoutMs,
      0,
    );
    if (ok !== 0) return entries.removed;
    const error = kernel32.GetLastError();
    if (error === WAIT_TIMEOUT) return 0;
    throw new OsError("GetQueuedCompletionStatusEx", win32Code(error), error);
  }

  close(): void {
    if (kernel32.CloseHandle(this.handle) === 0) throw lastError("CloseHandle", "completion port");
  }
}

/** An OVERLAPPED_ENTRY array in native memory, with each field read by name. */
export class CompletionEntries {
  private readonly block: NativeBlock;
  private readonly view: DataView;
  readonly address: number;
  /** Where getMany's ulNumEntriesRemoved is written, after the array. */
  readonly removedAddress: number;
  private readonly removedOffset: number;

  constructor(readonly capacity: number) {
    this.removedOffset = capacity * OVERLAPPED_ENTRY.BYTES;
    // LIFETIME: written by the kernel only inside getMany; freed by dispose().
    this.block = allocate(this.removedOffset + 8, "completion entries");
    this.view = this.block.view;
    this.address = this.block.address;
    this.removedAddress = this.address + this.removedOffset;
  }

  get removed(): number {
    return this.view.getUint32(this.removedOffset, true);
  }

  /** The completion key's low word: our keys (SOCKET_KEY, CONTROL_KEY) are small. */
  key(i: number): number {
    return this.view.getUint32(i * OVERLAPPED_ENTRY.BYTES + OVERLAPPED_ENTRY.lpCompletionKey, true);
  }

  /** The OVERLAPPED's address (0 for a posted packet); exact below 2^53. */
  overlapped(i: number): number {
    const at = i * OVERLAPPED_ENTRY.BYTES + OVERLAPPED_ENTRY.lpOverlapped;
    return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * TWO_POW_32;
  }

  bytes(i: number): number {
    return this.view.getUint32(i * OVERLAPPED_ENTRY.BYTES + OVERLAPPED_ENTRY.dwNumberOfBytesTransferred, true);
  }

  dispose(): void {
    release(this.block);
  }
}
