import { expect, test } from "bun:test";
import { keepaliveTiming } from "../../src/engine.ts";

test("keepalive: whole seconds of silence, probes 1 to 10 s apart, 10 of them", () => {
  expect(keepaliveTiming(1000)).toEqual({ idleMs: 1000, intervalMs: 1000, probes: 10 });
  expect(keepaliveTiming(1500)).toEqual({ idleMs: 2000, intervalMs: 1000, probes: 10 });
  expect(keepaliveTiming(300_000)).toEqual({ idleMs: 300_000, intervalMs: 10_000, probes: 10 });
  expect(keepaliveTiming(30_000)).toEqual({ idleMs: 30_000, intervalMs: 3000, probes: 10 });
  expect(keepaliveTiming(86_400_000).intervalMs).toBe(10_000);
});
