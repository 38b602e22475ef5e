import { expect, test } from "bun:test";
import { Aggregator, emptyCounts } from "../../src/bench/aggregate.ts";
import { countsOf, newHistogram, recordUs } from "../../src/bench/histogram.ts";
import { ProgressWriter, progressLine } from "../../src/bench/progress.ts";
import type { DoneReport, IntervalReport } from "../../src/bench/protocol.ts";
import {
  buildReport,
  formatReport,
  type RunFacts,
  SCHEMA_VERSION,
  unreachableVerdict,
} from "../../src/bench/report.ts";

function interval(
  worker: number,
  index: number,
  messages: number,
  latencies: number[],
  cpuUs: number | null = 400_000,
): IntervalReport {
  const h = newHistogram();
  for (const us of latencies) recordUs(h, us);
  const counts = emptyCounts();
  counts.messages = messages;
  counts.bytes = messages * 64;
  return {
    type: "interval",
    worker,
    index,
    elapsedMs: 1000,
    counts,
    open: 5,
    latency: countsOf(h),
    jitter: null,
    cpuUs,
  };
}

function done(worker: number, established: number, attempted = 5): DoneReport {
  const h = newHistogram();
  for (let i = 0; i < established; i++) recordUs(h, 200);
  const unmeasured = emptyCounts();
  unmeasured.errors.refused = attempted - established;
  return {
    type: "done",
    worker,
    attempted,
    established,
    connect: countsOf(h),
    sentBytes: 6400,
    receivedBytes: 6400,
    sentMessages: 100,
    unmeasured,
    udp: null,
  };
}

const FACTS: RunFacts = {
  target: { host: "localhost", port: 6000, address: "127.0.0.1" },
  backend: "io_uring",
  config: {
    mode: "pingpong",
    connections: 10,
    size: 64,
    durationS: 2,
    warmupS: 0,
    pipeline: 1,
    rate: 0,
    workers: 2,
    intervalS: 1,
    connectTimeoutMs: 3000,
    udp: false,
    lossTimeoutMs: null,
  },
  startedAt: "2026-11-29T22:00:00.000Z",
  cpu: { userS: 0.5, systemS: 0.5 },
  wallS: 2,
};

test("an interval is complete only when every worker has sent it", () => {
  const agg = new Aggregator(2);
  expect(agg.addInterval(interval(0, 0, 100, [100, 200]))).toBeNull();
  const sample = agg.addInterval(interval(1, 0, 300, [300, 400]))!;
  expect(sample.messages).toBe(400);
  expect(sample.messagesPerSec).toBe(400);
  expect(sample.open).toBe(10);
  expect(sample.latencyUs.count).toBe(4);
  expect(sample.latencyUs.max).toBeGreaterThanOrEqual(400);
});

test("the report sums intervals, orders percentiles and is clean without errors", () => {
  const agg = new Aggregator(2);
  for (const index of [0, 1]) for (const w of [0, 1]) agg.addInterval(interval(w, index, 500, [100, 150, 900]));
  agg.addDone(done(0, 5));
  agg.addDone(done(1, 5));
  const r = buildReport(FACTS, agg);
  expect(r.schemaVersion).toBe(SCHEMA_VERSION);
  expect(r.verdict).toBe("clean");
  expect(r.throughput.messages).toBe(2000);
  expect(r.throughput.messagesPerSec).toBe(1000);
  expect(r.throughput.mbitPerSec).toBe((1000 * 64 * 8) / 1e6);
  const l = r.latencyUs;
  expect(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max).toBe(true);
  expect(r.connections).toEqual({ attempted: 10, established: 10, failed: 0 });
  expect(r.totals.sentBytes).toBe(12_800);
  expect(r.cpu.percentOfOneCore).toBe(50);
  expect(r.intervals).toHaveLength(2);
  expect(formatReport(r)).toContain("errors     none");
  expect(unreachableVerdict(r)).toBeNull();
});

test("the JSON document has exactly the fields the README documents for schemaVersion 1", () => {
  const agg = new Aggregator(1);
  agg.addInterval(interval(0, 0, 10, [100]));
  agg.addDone(done(0, 5));
  const r = JSON.parse(JSON.stringify(buildReport(FACTS, agg)));
  expect(Object.keys(r)).toEqual([
    "schemaVersion",
    "verdict",
    "target",
    "backend",
    "config",
    "startedAt",
    "measuredS",
    "throughput",
    "latencyUs",
    "connectUs",
    "connections",
    "totals",
    "udp",
    "errors",
    "cpu",
    "intervals",
  ]);
  expect(Object.keys(r.throughput)).toEqual(["messages", "bytes", "messagesPerSec", "mbPerSec", "mbitPerSec"]);
  expect(Object.keys(r.latencyUs)).toEqual(["count", "min", "mean", "p50", "p90", "p99", "p999", "max"]);
  expect(Object.keys(r.errors)).toEqual([
    "refused",
    "timedOut",
    "unreachable",
    "connectOther",
    "reset",
    "ioOther",
    "corrupt",
    "dropped",
    "extra",
    "crosstalk",
    "closed",
    "stall",
    "lost",
    "duplicate",
  ]);
  expect(Object.keys(r.intervals[0])).toEqual([
    "index",
    "endS",
    "elapsedS",
    "messages",
    "bytes",
    "messagesPerSec",
    "mbPerSec",
    "open",
    "latencyUs",
    "errors",
    "udp",
    "busiestWorkerPercent",
  ]);
  expect(Object.keys(r.cpu)).toEqual(["userS", "systemS", "percentOfOneCore", "workerBusyPercent"]);
  expect(Object.keys(r.cpu.workerBusyPercent)).toEqual(["busiest", "mean"]);
});

test("errors of any phase make the verdict, and each kind is named", () => {
  const agg = new Aggregator(1);
  const bad = interval(0, 0, 10, [100]);
  bad.counts.errors.corrupt = 2;
  agg.addInterval(bad);
  agg.addDone(done(0, 4));
  const r = buildReport(FACTS, agg);
  expect(r.verdict).toBe("errors");
  expect(r.errors.corrupt).toBe(2);
  expect(r.errors.refused).toBe(1);
  expect(formatReport(r)).toContain("2 x corrupt: echoed bytes differ");
});

test("a target that accepted nothing is said in one line", () => {
  const agg = new Aggregator(1);
  agg.addDone(done(0, 0, 7));
  const line = unreachableVerdict(buildReport(FACTS, agg))!;
  expect(line).toBe(
    "localhost:6000 (127.0.0.1) accepted none of 7 connections: 7 connect refused (nothing listens there)",
  );
  expect(line).not.toContain("\n");
});

test("progress rewrites one line on a terminal and appends lines on a pipe", () => {
  const agg = new Aggregator(1);
  const s = agg.addInterval(interval(0, 0, 100, [100]))!;
  let tty = "";
  const onTty = new ProgressWriter({ write: (t: string) => (tty += t) }, true);
  onTty.sample(s);
  onTty.sample(s);
  onTty.finish();
  expect(tty).toBe(`\r${progressLine(s)}\x1b[K\r${progressLine(s)}\x1b[K\n`);
  let pipe = "";
  const onPipe = new ProgressWriter({ write: (t: string) => (pipe += t) }, false);
  onPipe.sample(s);
  onPipe.sample(s);
  onPipe.finish();
  expect(pipe).toBe(`${progressLine(s)}\n${progressLine(s)}\n`);
});

test("a UDP run's report sums the workers' datagram counts and averages jitter over sockets", () => {
  const agg = new Aggregator(2);
  const udp = (sent: number, lost: number, jitter: number[]) => ({
    sent,
    received: sent - lost,
    lost,
    late: 1,
    duplicate: 2,
    reordered: 3,
    wrong: 0,
    jitterSumUs: jitter.reduce((a, b) => a + b, 0),
    jitterSockets: jitter.length,
    maxJitterUs: Math.max(...jitter),
  });
  agg.addDone({ ...done(0, 5), udp: udp(600, 4, [10, 20]) });
  agg.addDone({ ...done(1, 5), udp: udp(400, 1, [60]) });
  const r = buildReport({ ...FACTS, config: { ...FACTS.config, udp: true, lossTimeoutMs: 200 } }, agg);
  expect(r.udp).toEqual({
    sent: 1000,
    received: 995,
    lost: 5,
    lossPercent: 0.5,
    late: 2,
    duplicate: 4,
    reordered: 6,
    wrong: 0,
    jitterUs: { mean: 30, max: 60 },
  });
  expect(formatReport(r)).toContain(
    "udp        1000 sent, 995 received, 5 lost (0.5%), 2 late, 4 duplicate, 6 reordered; jitter 0.030 ms (max 0.060 ms)",
  );
  expect(formatReport(r)).toContain("10 sockets, UDP ping-pong, 64 B datagrams, pipeline 1, loss after 200 ms");
  expect(buildReport(FACTS, new Aggregator(1)).udp).toBeNull();
});

test("a UDP interval carries its lost and duplicate datagrams and the mean jitter, and progress shows them", () => {
  const agg = new Aggregator(2);
  const udpInterval = (worker: number, lost: number, jitter: { sumUs: number; sockets: number }) => {
    const r = interval(worker, 0, 100, [100]);
    r.counts.errors.lost = lost;
    r.counts.errors.duplicate = 1;
    return { ...r, jitter };
  };
  expect(agg.addInterval(udpInterval(0, 3, { sumUs: 300, sockets: 2 }))).toBeNull();
  const s = agg.addInterval(udpInterval(1, 4, { sumUs: 600, sockets: 1 }))!;
  expect(s.udp).toEqual({ lost: 7, duplicate: 2, jitterUs: 300 });
  expect(s.errors).toBe(9);
  expect(progressLine(s)).toEndWith("errors 9  lost 7  jitter 0.300 ms");
  expect(agg.intervals[0]!.udp).not.toBeNull();
  const tcp = new Aggregator(1).addInterval(interval(0, 0, 10, [100]))!;
  expect(tcp.udp).toBeNull();
  expect(progressLine(tcp)).toEndWith(`errors 0`);
});

test("how busy each worker thread was comes from its own CPU clock; a busy one is named as a possible limit", () => {
  const agg = new Aggregator(2);
  // Worker 0: 0.95 s and 0.97 s of CPU in its two 1 s intervals; worker 1: 0.5 s in each.
  for (const index of [0, 1]) {
    agg.addInterval(interval(0, index, 100, [100], index === 0 ? 950_000 : 970_000));
    agg.addInterval(interval(1, index, 100, [100], 500_000));
  }
  agg.addDone(done(0, 5));
  agg.addDone(done(1, 5));
  const r = buildReport({ ...FACTS, config: { ...FACTS.config, workers: 2 } }, agg);
  expect(r.intervals.map((i) => i.busiestWorkerPercent)).toEqual([95, 97]);
  expect(r.cpu.workerBusyPercent).toEqual({ busiest: 96, mean: 73 });
  const text = formatReport(r);
  expect(text).toContain("worker threads 73% busy on average, the busiest 96%");
  expect(text).toContain("limit      a worker thread was 96% busy");
});

test("a client with room to spare says how busy it was and claims no limit", () => {
  const agg = new Aggregator(1);
  agg.addInterval(interval(0, 0, 100, [100], 300_000));
  agg.addDone(done(0, 5));
  const text = formatReport(buildReport({ ...FACTS, config: { ...FACTS.config, workers: 1 } }, agg));
  expect(text).toContain("the worker thread 30% busy");
  expect(text).not.toContain("limit ");
});

test("a runtime that cannot read a thread's clock reports null, not a made-up share", () => {
  const agg = new Aggregator(2);
  agg.addInterval(interval(0, 0, 100, [100], 300_000));
  agg.addInterval(interval(1, 0, 100, [100], null));
  agg.addDone(done(0, 5));
  agg.addDone(done(1, 5));
  const r = buildReport(FACTS, agg);
  expect(r.intervals[0]!.busiestWorkerPercent).toBeNull();
  expect(r.cpu.workerBusyPercent).toBeNull();
  expect(formatReport(r)).not.toContain("busy");
});
