import { describe, expect, test } from "bun:test";
import { SlotPool } from "../../src/slot-pool.ts";

describe("the slot pool", () => {
  test("hands out every slot once, then -1", () => {
    const pool = new SlotPool(3);
    const taken = [pool.take(), pool.take(), pool.take()];
    expect(taken.sort()).toEqual([0, 1, 2]);
    expect(pool.take()).toBe(-1);
  });

  test("is LIFO: the slot given back last is taken first", () => {
    const pool = new SlotPool(3);
    const a = pool.take();
    pool.take();
    pool.give(a);
    expect(pool.take()).toBe(a);
  });

  test("a shared pool hands each slot to one taker only", () => {
    const buffer = new SharedArrayBuffer(SlotPool.bytesFor(4));
    const a = new SlotPool(4, buffer);
    const b = new SlotPool(4, buffer, false);
    const got = [a.take(), b.take(), a.take(), b.take()];
    expect(new Set(got).size).toBe(4);
    expect(a.take()).toBe(-1);
    b.give(got[0]!);
    expect(a.available).toBe(1);
  });
});
