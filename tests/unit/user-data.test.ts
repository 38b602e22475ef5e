import { expect, test } from "bun:test";
import { MAX_SLOTS, opOf, slotOf, userData64, userLo } from "../../src/ffi/linux/sqe.ts";

test("(slot, op) round-trips through the low word for every op and edge slots", () => {
  for (const slot of [0, 1, 255, 256, 65_535, MAX_SLOTS - 1]) {
    for (let op = 0; op < 256; op += 17) {
      const lo = userLo(slot, op);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(lo).toBeLessThan(2 ** 32);
      expect(slotOf(lo)).toBe(slot);
      expect(opOf(lo)).toBe(op);
    }
  }
});

test("the 64-bit value puts the generation in the high word", () => {
  const v = userData64(12345, 3, 0xdeadbeef);
  expect(v >> 32n).toBe(0xdeadbeefn);
  expect(Number(v & 0xffffffffn)).toBe(userLo(12345, 3));
});
