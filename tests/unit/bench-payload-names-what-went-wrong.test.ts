import { describe, expect, test } from "bun:test";
import {
  classifyMismatch,
  echoMatches,
  fillStream,
  firstMismatch,
  streamAt,
  streamByte,
} from "../../src/bench/payload.ts";
import { STALL_MS, StreamVerifier } from "../../src/bench/verifier.ts";
import { echoBesidePattern } from "../fakes/pattern-copy.ts";

function chunk(stream: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  fillStream(stream, position, bytes, 0, length);
  return bytes;
}

describe("the payload stream", () => {
  test("is the same bytes however it is cut into chunks", () => {
    const whole = chunk(3, 0, 1000);
    for (const [from, length] of [
      [0, 1],
      [1, 3],
      [5, 17],
      [333, 667],
    ] as const) {
      expect(chunk(3, from, length)).toEqual(whole.slice(from, from + length));
    }
    expect(streamByte(3, 999)).toBe(whole[999]!);
  });

  test("differs between connections", () => {
    expect(chunk(1, 0, 64)).not.toEqual(chunk(2, 0, 64));
  });

  test("an intact echo has no mismatch", () => {
    const bytes = chunk(7, 100, 300);
    expect(firstMismatch(7, 100, bytes, 0, 300)).toBe(-1);
  });
});

describe("a mismatch is classified", () => {
  test("a flipped byte is corruption", () => {
    const bytes = chunk(4, 40, 64);
    bytes[10]! ^= 0x20;
    expect(firstMismatch(4, 40, bytes, 0, 64)).toBe(10);
    expect(classifyMismatch(4, 50, bytes, 10, 54)).toBe("corrupt");
  });

  test("a dropped byte is a short echo", () => {
    const sent = chunk(4, 0, 64);
    const echoed = new Uint8Array([...sent.slice(0, 9), ...sent.slice(10)]);
    const at = firstMismatch(4, 0, echoed, 0, echoed.length);
    expect(classifyMismatch(4, at, echoed, at, echoed.length - at)).toBe("dropped");
  });

  test("an added byte is extra", () => {
    const sent = chunk(4, 0, 64);
    const added = (sent[9]! + 1) & 0xff;
    const echoed = new Uint8Array([...sent.slice(0, 9), added, ...sent.slice(9)]);
    const at = firstMismatch(4, 0, echoed, 0, echoed.length);
    expect(classifyMismatch(4, at, echoed, at, echoed.length - at)).toBe("extra");
  });

  test("another connection's bytes are cross-talk, at any alignment", () => {
    for (const position of [0, 1, 2, 3, 4096 + 2]) {
      const foreign = chunk(9, position, 64);
      expect(classifyMismatch(4, 128, foreign, 0, 64)).toBe("crosstalk");
    }
  });

  test("bytes that are nobody's stream are corruption, not cross-talk", () => {
    const noise = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
    expect(classifyMismatch(4, 0, noise, 0, 64)).toBe("corrupt");
  });

  test("a stream is checked across the pattern's wrap", () => {
    const position = (1 << 20) - 100;
    expect(firstMismatch(5, position, chunk(5, position, 300), 0, 300)).toBe(-1);
  });

  test("the pattern copy holds every stream contiguously, across the wrap and beyond 1 MiB", () => {
    const copy = echoBesidePattern(new Uint8Array(0));
    for (const [stream, position, length] of [
      [0, 0, 64],
      [7, (1 << 20) - 10, 100],
      [9, 123, 1 << 20],
    ] as const) {
      const at = streamAt(copy, stream, position);
      expect(copy.memory.subarray(at, at + length)).toEqual(chunk(stream, position, length));
    }
    // An echo longer than the pattern is checked in pieces.
    const long = echoBesidePattern(chunk(3, 5, (1 << 20) + 300));
    expect(echoMatches(long, 3, 5, 0, (1 << 20) + 300)).toBe(true);
    long.memory[(1 << 20) + 200]! ^= 1;
    expect(echoMatches(long, 3, 5, 0, (1 << 20) + 300)).toBe(false);
  });
});

describe("the verifier", () => {
  test("accepts an echo in pieces and counts it", () => {
    const v = new StreamVerifier(2);
    v.onSent(100, 0);
    const echo = echoBesidePattern(chunk(2, 0, 100));
    expect(v.onReceived(echo, 0, 30, 1)).toBeNull();
    expect(v.onReceived(echo, 30, 70, 2)).toBeNull();
    expect(v.received).toBe(100);
    expect(v.outstanding).toBe(0);
  });

  test("reports bytes beyond what was sent as extra", () => {
    const v = new StreamVerifier(2);
    v.onSent(10, 0);
    expect(v.onReceived(echoBesidePattern(chunk(2, 0, 11)), 0, 11, 1)).toBe("extra");
  });

  test("names a changed byte, and one dropped, after the native compare says no", () => {
    const flipped = chunk(2, 0, 64);
    flipped[40]! ^= 0x10;
    const v = new StreamVerifier(2);
    v.onSent(64, 0);
    expect(v.onReceived(echoBesidePattern(flipped), 0, 64, 1)).toBe("corrupt");
    const w = new StreamVerifier(2);
    w.onSent(64, 0);
    const dropped = new Uint8Array([...chunk(2, 0, 20), ...chunk(2, 21, 43)]);
    expect(w.onReceived(echoBesidePattern(dropped), 0, 63, 1)).toBe("dropped");
  });

  test("reports a close with bytes outstanding, and not without", () => {
    const v = new StreamVerifier(2);
    expect(v.onClosed()).toBeNull();
    v.onSent(10, 0);
    expect(v.onClosed()).toBe("closed");
  });

  test("sees a stall only while bytes are outstanding", () => {
    const v = new StreamVerifier(2);
    expect(v.stalled(10 * STALL_MS)).toBe(false);
    v.onSent(10, 10 * STALL_MS);
    expect(v.stalled(10 * STALL_MS + STALL_MS - 1)).toBe(false);
    expect(v.stalled(11 * STALL_MS)).toBe(true);
    expect(v.onReceived(echoBesidePattern(chunk(2, 0, 10)), 0, 10, 11 * STALL_MS)).toBeNull();
    expect(v.stalled(20 * STALL_MS)).toBe(false);
  });
});
