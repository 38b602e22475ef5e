/** VirtualAlloc'd memory: never moved or freed by the collector. */
import { toArrayBuffer, type Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { win32Code } from "./errors.ts";
import { kernel32, MEM_COMMIT, MEM_DECOMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_READWRITE } from "./kernel32.ts";

export interface NativeBlock {
  readonly address: number;
  readonly bytes: ArrayBuffer;
  readonly view: DataView;
}

export function allocate(length: number, what: string): NativeBlock {
  const address = kernel32.VirtualAlloc(null, length, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (typeof address !== "number" || address === 0) {
    const error = kernel32.GetLastError();
    throw new OsError("VirtualAlloc", win32Code(error), error, `${length} bytes for ${what}`);
  }
  return attach(address, length);
}

/**
 * Address space for `length` bytes with only the first `committed` backed by
 * memory; the rest is committed piece by piece (commit/decommit). Nothing
 * may touch a page before it is committed.
 */
export function reserve(length: number, committed: number, what: string): NativeBlock {
  const address = kernel32.VirtualAlloc(null, length, MEM_RESERVE, PAGE_READWRITE);
  if (typeof address !== "number" || address === 0) {
    const error = kernel32.GetLastError();
    throw new OsError("VirtualAlloc", win32Code(error), error, `reserving ${length} bytes for ${what}`);
  }
  const block = attach(address, length);
  if (committed > 0) {
    const failure = commit(address, committed);
    if (failure !== null) {
      release(block);
      throw failure;
    }
  }
  return block;
}

/** Back [address, address + length) of a reserved block with memory; an OsError (out of memory) if it cannot be. */
export function commit(address: number, length: number): OsError | null {
  const done = kernel32.VirtualAlloc(address as Pointer, length, MEM_COMMIT, PAGE_READWRITE);
  if (typeof done === "number" && done !== 0) return null;
  const error = kernel32.GetLastError();
  return new OsError("VirtualAlloc", win32Code(error), error, `committing ${length} bytes`);
}

/** Give the memory behind [address, address + length) back; the range stays reserved. */
export function decommit(address: number, length: number): OsError | null {
  if (kernel32.VirtualFree(address as Pointer, length, MEM_DECOMMIT) !== 0) return null;
  const error = kernel32.GetLastError();
  return new OsError("VirtualFree", win32Code(error), error, `decommitting ${length} bytes`);
}

/** A view of memory another thread allocated (the shared slab). */
export function attach(address: number, length: number): NativeBlock {
  const bytes = toArrayBuffer(address as Pointer, 0, length);
  return { address, bytes, view: new DataView(bytes) };
}

export { readU64, writeU64 } from "../u64.ts";

export function release(block: NativeBlock): void {
  if (kernel32.VirtualFree(block.address as Pointer, 0, MEM_RELEASE) === 0) {
    const error = kernel32.GetLastError();
    throw new OsError("VirtualFree", win32Code(error), error, `${block.bytes.byteLength} bytes`);
  }
}
