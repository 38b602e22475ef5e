import { expect, test } from "bun:test";
import { Meter, threadCpuUs } from "../../src/bench/meter.ts";
import type { BenchWorkerReport } from "../../src/bench/protocol.ts";

interface Plan {
  measureFromEpochMs: number;
  measureUntilEpochMs: number;
  intervalMs: number;
}

/** A meter whose measured span is known, read at `nowMs` (this thread's clock) and `epochNowMs` (Date.now()). */
function begunMeter(
  plan: Plan,
  post: (r: BenchWorkerReport) => unknown,
  nowMs: number,
  epochNowMs: number,
  cpuClock: () => number | null = threadCpuUs,
): Meter {
  const meter = new Meter({ worker: 0, intervalMs: plan.intervalMs }, post, cpuClock);
  meter.begin({ fromEpochMs: plan.measureFromEpochMs, untilEpochMs: plan.measureUntilEpochMs }, nowMs, epochNowMs);
  return meter;
}

/** The elapsed times of the intervals a meter posts for a 1 s run, ticked once after its end. */
function intervals(intervalMs: number, nowMs: number, epochNowMs: number, fromEpochMs: number): number[] {
  const posted: number[] = [];
  const post = (r: BenchWorkerReport) => {
    if (r.type === "interval") posted.push(r.elapsedMs);
  };
  const plan = { measureFromEpochMs: fromEpochMs, measureUntilEpochMs: fromEpochMs + 1000, intervalMs };
  const meter = begunMeter(plan, post, nowMs, epochNowMs);
  meter.tick(meter.untilMs + 10, 2);
  expect(meter.measured).toBe(true);
  return posted;
}

// Clocks at which the start and the end, converted to this thread's time, round
// apart by an ulp: summing interval lengths from the start once fell short of the
// end and posted a third, empty interval (a third progress line on a 1 s run).
const EPOCH = 1_764_000_733_801;
const CLOCKS = [
  { nowMs: 109.23854367445007, epochNowMs: EPOCH + 5, fromEpochMs: EPOCH + 1334 },
  { nowMs: 198.9330458488269, epochNowMs: 1_764_000_239_005, fromEpochMs: 1_764_000_239_000 + 1326 },
  { nowMs: 28.3887147633069, epochNowMs: 1_764_000_385_965, fromEpochMs: 1_764_000_385_960 + 812 },
];

test("a 1 s run cut every 0.5 s posts exactly two intervals whatever the clocks read", () => {
  for (const c of CLOCKS) {
    const got = intervals(500, c.nowMs, c.epochNowMs, c.fromEpochMs);
    expect(got).toHaveLength(2);
    expect(got[0]).toBeCloseTo(500, 6);
    expect(got[1]).toBeCloseTo(500, 6);
  }
});

test("a 1 s run cut every 0.3 s posts three full intervals and a short last one", () => {
  for (const c of CLOCKS) {
    const got = intervals(300, c.nowMs, c.epochNowMs, c.fromEpochMs);
    expect(got).toHaveLength(4);
    expect(got[3]).toBeCloseTo(100, 6);
  }
});

test("a stop request ends the interval under way short, and nothing follows it", () => {
  const posted: number[] = [];
  const plan = { measureFromEpochMs: EPOCH, measureUntilEpochMs: EPOCH + 1000, intervalMs: 500 };
  const meter = begunMeter(plan, (r) => r.type === "interval" && posted.push(r.elapsedMs), 0, EPOCH);
  meter.tick(600, 1);
  meter.stopAt(700);
  meter.tick(2000, 1);
  expect(posted).toEqual([500, 200]);
  expect(meter.measured).toBe(true);
});

test("each interval carries the thread's CPU time spent in it, counted from when measuring began", () => {
  const cpu: (number | null)[] = [];
  const plan = { measureFromEpochMs: EPOCH + 100, measureUntilEpochMs: EPOCH + 1100, intervalMs: 500 };
  let clock = 0;
  const meter = begunMeter(
    plan,
    (r) => r.type === "interval" && cpu.push(r.cpuUs),
    0,
    EPOCH,
    () => clock,
  );
  clock = 50_000; // warmup: not counted
  meter.tick(50, 1);
  clock = 60_000;
  meter.tick(100, 1); // measuring begins
  clock = 460_000;
  meter.tick(600, 1);
  clock = 900_000;
  meter.tick(1100, 1);
  expect(cpu).toEqual([400_000, 440_000]);
});

test("without a thread CPU clock the intervals say null", () => {
  const cpu: (number | null)[] = [];
  const plan = { measureFromEpochMs: EPOCH, measureUntilEpochMs: EPOCH + 1000, intervalMs: 500 };
  const meter = begunMeter(
    plan,
    (r) => r.type === "interval" && cpu.push(r.cpuUs),
    0,
    EPOCH,
    () => null,
  );
  meter.tick(0, 1);
  meter.tick(1000, 1);
  expect(cpu).toEqual([null, null]);
});

test("the warmup's messages and bytes are recorded as the measured time's are, then dropped when measuring begins", () => {
  const reports: BenchWorkerReport[] = [];
  const plan = { measureFromEpochMs: EPOCH + 100, measureUntilEpochMs: EPOCH + 1100, intervalMs: 500 };
  const meter = begunMeter(plan, (r) => reports.push(r), 0, EPOCH);
  meter.tick(50, 1);
  meter.messages(5, 80, 50); // warmup
  meter.bytes(320, 50);
  meter.error("reset", 50);
  meter.tick(100, 1); // measuring begins
  meter.messages(2, 0.25, 100);
  meter.bytes(128, 100);
  meter.tick(600, 1);
  meter.messages(1, 0.5, 1100); // the drain: not counted
  meter.bytes(64, 1100);
  meter.tick(1100, 1);
  const intervals = reports.flatMap((r) => (r.type === "interval" ? [r] : []));
  expect(intervals.map((r) => [r.counts.messages, r.counts.bytes, r.counts.errors.reset])).toEqual([
    [2, 128, 0],
    [0, 0, 0],
  ]);
  // Latencies too: two of 250 µs in the first interval, none of the warmup's 80 ms.
  expect(Array.from(intervals[0]!.latency.subarray(0, 2))).toEqual([250, 250]);
  expect(intervals[1]!.latency.length).toBe(0);
  expect(meter.unmeasured.errors.reset).toBe(1);
  expect(meter.receivedBytes).toBe(320 + 128 + 64);
});

test("an error counted once measuring began, before the first tick, is reported in the first interval", () => {
  const reports: BenchWorkerReport[] = [];
  // No warmup: the loop's connects fail at once (ConnectEx with no route) before it ever ticks.
  const plan = { measureFromEpochMs: EPOCH, measureUntilEpochMs: EPOCH + 1000, intervalMs: 500 };
  const meter = begunMeter(plan, (r) => reports.push(r), 0, EPOCH);
  meter.error("unreachable", 0);
  meter.error("unreachable", 0);
  meter.tick(1000, 0);
  const intervals = reports.flatMap((r) => (r.type === "interval" ? [r] : []));
  expect(intervals.map((r) => r.counts.errors.unreachable)).toEqual([2, 0]);
  expect(meter.unmeasured.errors.unreachable).toBe(0);
});

test("before its span is known a meter measures nothing: errors are unmeasured, and a stop then ends the run with no interval", () => {
  const reports: BenchWorkerReport[] = [];
  const meter = new Meter(
    { worker: 3, intervalMs: 500 },
    (r) => reports.push(r),
    () => 0,
  );
  meter.settled();
  meter.error("refused", 10);
  meter.messages(1, 0.5, 10);
  meter.tick(20, 1);
  expect(meter.measuring(20)).toBe(false);
  meter.stopAt(30);
  meter.tick(40, 1);
  meter.tick(5000, 1);
  expect(reports).toEqual([{ type: "settled", worker: 3 }]);
  expect(meter.begun).toBe(true);
  expect(meter.measured).toBe(true);
  expect(meter.unmeasured.errors.refused).toBe(1);
});
