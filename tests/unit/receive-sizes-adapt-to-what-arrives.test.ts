import { describe, expect, test } from "bun:test";
import { INITIAL_RECEIVE_BYTES, ReceiveSizes, SHORT_RECEIVES_BEFORE_SHRINK } from "../../src/receive-size.ts";

const KiB = 1024;

/** Runs receives of the given byte counts through a fresh slot; returns the size after each. */
function sizesAfter(ceiling: number, received: number[]): number[] {
  const sizes = new ReceiveSizes(2, ceiling);
  sizes.start(1);
  return received.map((n) => sizes.afterReceive(1, n));
}

const short = (n: number, bytes: number) => Array<number>(n).fill(bytes);

describe("receive sizes adapt to what arrives", () => {
  const cases: [string, number, number[], number[]][] = [
    ["a stream reaches the ceiling after two full receives", 64 * KiB, [4 * KiB, 16 * KiB], [16 * KiB, 64 * KiB]],
    [
      "it stays at the ceiling while receives fill it",
      64 * KiB,
      [4 * KiB, 16 * KiB, 64 * KiB],
      [16 * KiB, 64 * KiB, 64 * KiB],
    ],
    ["never above a ceiling that is not a power of two", 10_000, [4 * KiB, 10_000], [10_000, 10_000]],
    ["a chatty connection stays at the start size", 64 * KiB, [64, 64, 64, 64, 64, 64], short(6, 4 * KiB)],
    [
      "a receive between the marks keeps the size",
      64 * KiB,
      [4 * KiB, 16 * KiB, 20 * KiB],
      [16 * KiB, 64 * KiB, 64 * KiB],
    ],
    [
      "several short receives in a row halve it",
      64 * KiB,
      [4 * KiB, 16 * KiB, ...short(SHORT_RECEIVES_BEFORE_SHRINK, 100)],
      [16 * KiB, 64 * KiB, ...short(SHORT_RECEIVES_BEFORE_SHRINK - 1, 64 * KiB), 32 * KiB],
    ],
    [
      "a longer receive breaks the run of short ones",
      64 * KiB,
      [4 * KiB, 16 * KiB, 100, 100, 100, 30 * KiB, 100, 100, 100],
      [16 * KiB, 64 * KiB, ...short(7, 64 * KiB)],
    ],
    [
      "a full receive after short ones jumps straight up again",
      64 * KiB,
      [4 * KiB, 16 * KiB, ...short(SHORT_RECEIVES_BEFORE_SHRINK, 100), 32 * KiB],
      [16 * KiB, 64 * KiB, ...short(SHORT_RECEIVES_BEFORE_SHRINK - 1, 64 * KiB), 32 * KiB, 64 * KiB],
    ],
    ["a ceiling below the start size is the only size", 1000, [1000, 10, 10, 10, 10], short(5, 1000)],
  ];
  for (const [name, ceiling, received, expected] of cases) {
    test(name, () => expect(sizesAfter(ceiling, received)).toEqual(expected));
  }

  test("shrinking stops at the start size", () => {
    const sizes = new ReceiveSizes(1, 64 * KiB);
    sizes.start(0);
    sizes.afterReceive(0, 4 * KiB);
    sizes.afterReceive(0, 16 * KiB);
    for (let i = 0; i < 10 * SHORT_RECEIVES_BEFORE_SHRINK; i++) sizes.afterReceive(0, 1);
    expect(sizes.size[0]).toBe(INITIAL_RECEIVE_BYTES);
  });

  test("a new connection in a slot starts small whatever the last one did", () => {
    const sizes = new ReceiveSizes(1, 64 * KiB);
    sizes.start(0);
    sizes.afterReceive(0, 4 * KiB);
    sizes.afterReceive(0, 16 * KiB);
    for (let i = 0; i < SHORT_RECEIVES_BEFORE_SHRINK - 1; i++) sizes.afterReceive(0, 1);
    expect(sizes.start(0)).toBe(INITIAL_RECEIVE_BYTES);
    sizes.afterReceive(0, 4 * KiB);
    sizes.afterReceive(0, 16 * KiB);
    // The short run did not carry over: this many short receives do not shrink.
    for (let i = 0; i < SHORT_RECEIVES_BEFORE_SHRINK - 1; i++) sizes.afterReceive(0, 1);
    expect(sizes.size[0]).toBe(64 * KiB);
  });

  test("slots adapt independently, in columns over a shared buffer at an offset", () => {
    const buffer = new SharedArrayBuffer(16 + ReceiveSizes.bytesFor(3));
    const a = new ReceiveSizes(3, 64 * KiB, buffer, 16);
    a.start(0);
    a.start(2);
    a.afterReceive(2, 4 * KiB);
    // A second view over the same bytes (another worker) sees the same sizes.
    const b = new ReceiveSizes(3, 64 * KiB, buffer, 16);
    expect([b.size[0], b.size[2]]).toEqual([4 * KiB, 16 * KiB]);
    expect(b.afterReceive(2, 16 * KiB)).toBe(64 * KiB);
    expect(a.size[2]).toBe(64 * KiB);
  });

  test("a ceiling that is not a size is refused", () => {
    expect(() => new ReceiveSizes(1, 0)).toThrow(/receive ceiling 0/);
  });
});
