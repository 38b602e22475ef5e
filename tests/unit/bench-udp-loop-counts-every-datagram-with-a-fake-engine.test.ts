import { expect, test } from "bun:test";
import { Aggregator } from "../../src/bench/aggregate.ts";
import { Meter } from "../../src/bench/meter.ts";
import type { LoopPlan } from "../../src/bench/plan.ts";
import type { BenchWorkerReport } from "../../src/bench/protocol.ts";
import { UdpClientLoop } from "../../src/bench/udp-loop.ts";
import { type FakeFault, FakeClientQueue, LOSE_EVERY, PAUSE_FOR_MS } from "../fakes/fake-client-queue.ts";

const RUN_MS = 300;

function run(plan: Partial<LoopPlan>, fault: FakeFault = "none", runMs = RUN_MS) {
  const full: LoopPlan = {
    worker: 0,
    workers: 1,
    connections: 3,
    mode: "pingpong",
    size: 64,
    pipeline: 2,
    rate: 0,
    connectTimeoutMs: 1000,
    udp: true,
    lossTimeoutMs: 50,
    ...plan,
  };
  const queue = new FakeClientQueue(full.connections, 4096, fault);
  const agg = new Aggregator(1);
  const post = (r: BenchWorkerReport) => {
    if (r.type === "interval") agg.addInterval(r);
    else if (r.type === "done") agg.addDone(r);
  };
  const epoch = Date.now();
  const meter = new Meter({ worker: 0, intervalMs: 100 }, post);
  meter.begin({ fromEpochMs: epoch, untilEpochMs: epoch + runMs }, performance.now(), epoch);
  new UdpClientLoop(queue, full, meter).run();
  return { agg, udp: agg.done[0]!.udp!, queue, errors: agg.allErrors() };
}

test("a clean run gets every datagram back once and closes every socket", () => {
  const { agg, udp, queue, errors } = run({});
  expect(Object.values(errors).every((n) => n === 0)).toBe(true);
  expect(udp.sent).toBeGreaterThan(100);
  expect(udp).toMatchObject({ received: udp.sent, lost: 0, late: 0, duplicate: 0, reordered: 0, wrong: 0 });
  expect(udp.sent).toBe(queue.sends);
  expect(agg.latency.totalCount).toBe(agg.measured.messages);
  expect(agg.intervals.map((i) => i.udp?.lost)).toEqual([0, 0, 0]);
  expect(queue.closed).toBe(3);
});

test("every datagram never echoed is lost exactly once, and the rest still flow", () => {
  const { udp, queue, errors } = run({}, "lose");
  expect(queue.lost).toBe(Math.floor(queue.sends / LOSE_EVERY));
  expect(udp.lost).toBe(queue.lost);
  expect(errors.lost).toBe(queue.lost);
  expect(udp.received).toBe(udp.sent - udp.lost);
  expect(udp.late + udp.duplicate + udp.wrong).toBe(0);
});

test("a pause of the whole machine loses no datagram: the echoes that come after it are read first", () => {
  // Datagrams are lost after 50 ms here, and the fake stops for 1.1 s after the 20th send.
  const { udp, errors } = run({}, "pause", PAUSE_FOR_MS + 300);
  expect(Object.values(errors).every((n) => n === 0)).toBe(true);
  expect(udp).toMatchObject({ received: udp.sent, lost: 0, late: 0 });
});

test("--rate paces the datagrams: about rate x duration go out, not a closed loop's thousands", () => {
  const { udp } = run({ rate: 100 });
  // 100/s for 0.3 s: 30 due. A loaded machine that notices the end late sends what fell due meanwhile,
  // so the bound above is loose; the fake echoes at once, and a closed loop would send thousands.
  expect(udp.sent).toBeGreaterThanOrEqual(27);
  expect(udp.sent).toBeLessThanOrEqual(60);
  expect(udp.received).toBe(udp.sent);
});

test("a corrupting echo is counted once per datagram, the socket goes on", () => {
  const { udp, errors } = run({}, "flip");
  // The fake flips byte 3, inside the sequence number: the echo names no datagram sent, so its own is lost as well.
  expect(errors.corrupt).toBe(udp.sent);
  expect(udp.wrong).toBe(udp.sent);
  expect(udp.lost).toBe(udp.sent);
  expect(udp.sent).toBeGreaterThan(3 * 2);
});
