/**
 * ntdll entry points, hand-written from the Microsoft docs. Only what the
 * C runtime would otherwise give: Windows has no memcmp outside a C runtime
 * DLL, and ntdll is in every process (Wine's too).
 */
import { dlopen } from "bun:ffi";
import { LPVOID, SIZE_T, SIZE_T_RESULT } from "./types.ts";

const lib = dlopen("ntdll.dll", {
  // https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/nf-wdm-rtlcomparememory
  // Returns how many bytes from the start are equal: `length` when all are.
  RtlCompareMemory: { args: [LPVOID, LPVOID, SIZE_T], returns: SIZE_T_RESULT },
});

export const ntdll = lib.symbols;
