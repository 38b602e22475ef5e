import { expect, test } from "bun:test";
import { RateSchedule } from "../../src/bench/schedule.ts";

test("N connections at rate R together have R messages due per second", () => {
  const connections = 4;
  const schedules = Array.from({ length: connections }, (_, j) => new RateSchedule(1000, 1000, connections, j));
  const dueAfter = (ms: number) => schedules.reduce((sum, s) => sum + s.dueBy(1000 + ms), 0);
  expect(dueAfter(999.999)).toBe(1000);
  expect(dueAfter(9999.999)).toBe(10_000);
});

test("connections are staggered, not sent in bursts", () => {
  const a = new RateSchedule(0, 100, 2, 0);
  const b = new RateSchedule(0, 100, 2, 1);
  expect(a.periodMs).toBe(20);
  expect(a.intendedMs(0)).toBe(0);
  expect(b.intendedMs(0)).toBe(10);
  expect(b.intendedMs(3)).toBe(70);
});

test("nothing is due before the start, and the wait names the next due time", () => {
  const s = new RateSchedule(500, 10, 1, 0);
  expect(s.dueBy(499)).toBe(0);
  expect(s.dueBy(500)).toBe(1);
  expect(s.waitMs(1, 550)).toBe(50);
  expect(s.waitMs(1, 700)).toBe(0);
});

test("a stalled connection owes every message it missed, each with its own intended time", () => {
  const s = new RateSchedule(0, 1000, 1, 0);
  // Stalled from 0 to 200 ms: 201 messages are due, the first intended at 0.
  expect(s.dueBy(200)).toBe(201);
  expect(200 - s.intendedMs(0)).toBe(200);
  expect(200 - s.intendedMs(100)).toBe(100);
});
