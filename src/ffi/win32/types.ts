/**
 * Win32 type aliases for the binding tables, so each signature reads like
 * its Microsoft docs page. HANDLE and SOCKET are 64-bit integers: passing
 * them as u64 (not as pointers or doubles) keeps all-ones values such as
 * INVALID_HANDLE_VALUE and INVALID_SOCKET exact. Results that may be
 * all-ones come back as u64_fast: a number for ordinary handles, a bigint
 * (which we treat as invalid) for anything past 2^53.
 */
import { FFIType } from "bun:ffi";

export const BOOL = FFIType.i32;
export const DWORD = FFIType.u32;
export const ULONG = FFIType.u32;
export const UCHAR = FFIType.u8;
export const WORD = FFIType.u16;
export const INT = FFIType.i32;
export const HANDLE = FFIType.u64;
export const HANDLE_RESULT = FFIType.u64_fast;
export const SOCKET = FFIType.u64;
export const SOCKET_RESULT = FFIType.u64_fast;
export const ULONG_PTR = FFIType.u64;
export const SIZE_T = FFIType.u64;
/** A SIZE_T result: a number (below 2^53, as any byte count here is). */
export const SIZE_T_RESULT = FFIType.u64_fast;
export const LPVOID = FFIType.ptr;
export const LPVOID_RESULT = FFIType.u64_fast;

/** INVALID_HANDLE_VALUE / INVALID_SOCKET: (HANDLE)-1. */
export const ALL_ONES = 0xffff_ffff_ffff_ffffn;

/** A handle result is valid when it came back as a non-zero number. */
export function isValidHandle(h: number | bigint): h is number {
  return typeof h === "number" && h !== 0;
}
