import { expect, test } from "bun:test";
import { PortTimer } from "../../src/ffi/win32/port-timer.ts";

test("an unarmed timer never completes and lets the dequeue block for ever", () => {
  const t = new PortTimer();
  expect([t.takeDue(), t.takeCancelled(), t.waitMs()]).toEqual([false, false, 0xffffffff]);
});

test("an armed timer bounds the dequeue's wait and completes once when due", async () => {
  const t = new PortTimer();
  t.arm(30);
  expect(t.waitMs()).toBeGreaterThan(0);
  expect(t.waitMs()).toBeLessThanOrEqual(30);
  expect(t.takeDue()).toBe(false);
  await Bun.sleep(40);
  expect(t.waitMs()).toBe(0);
  expect(t.takeDue()).toBe(true);
  expect(t.takeDue()).toBe(false);
});

test("cancelling an armed timer completes it once, as cancelled; cancelling none does nothing", () => {
  const t = new PortTimer();
  t.cancel();
  expect(t.takeCancelled()).toBe(false);
  t.arm(10_000);
  t.cancel();
  expect([t.takeCancelled(), t.takeCancelled(), t.takeDue()]).toEqual([true, false, false]);
});
