/**
 * 64-bit addresses and handles as two 32-bit words, without a BigInt per
 * value: what the kernel's structures hold (SQE fields, WSABUF.buf,
 * OVERLAPPED_ENTRY.lpOverlapped) and what JS numbers hold exactly below 2^53.
 * Pure: no bun:ffi, so both backends and the tests share it.
 */
export const TWO_POW_32 = 4294967296;

/** The high word of a 64-bit value held in a number. */
export function high32(value: number): number {
  return Math.floor(value / TWO_POW_32) >>> 0;
}

/** A 64-bit address or handle (exact below 2^53) as two little-endian words. */
export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, high32(value), true);
}

export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * TWO_POW_32;
}
