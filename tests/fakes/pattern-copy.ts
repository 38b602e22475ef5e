/**
 * A PatternCopy in ordinary memory, compared in JS: what the real queues do
 * natively (memcmp, RtlCompareMemory), for tests without a queue.
 */
import { PATTERN_COPY_BYTES, type PatternCopy, writePattern } from "../../src/bench/payload.ts";

/** Whether two ranges of `memory` hold the same bytes. */
export function sameBytes(memory: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (memory[a + i] !== memory[b + i]) return false;
  return true;
}

/** `echo` at offset 0, the pattern after it. */
export function echoBesidePattern(echo: Uint8Array): PatternCopy {
  const memory = new Uint8Array(echo.length + PATTERN_COPY_BYTES);
  memory.set(echo, 0);
  const copy = {
    memory,
    patternAt: echo.length,
    same: (a: number, b: number, n: number) => sameBytes(memory, a, b, n),
  };
  writePattern(copy);
  return copy;
}
