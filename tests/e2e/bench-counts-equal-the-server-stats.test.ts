import { afterAll, beforeAll, expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

interface Stats {
  bytes: { received: number; sent: number };
}

describeTargets("bench counts equal the server's /stats", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
  });
  afterAll(async () => {
    await server.stop();
  });

  const stats = async () => (await (await server.admin("/stats")).json()) as Stats;

  for (const args of [
    ["--pipeline", "4"],
    ["--mode", "stream", "-l", "1000"],
  ]) {
    test(`every byte sent came back and the server saw each one (${args.join(" ")})`, async () => {
      const before = await stats();
      const run = await bench(t, `127.0.0.1:${server.echoPort}`, ["-c", "6", "--workers", "2", ...args]);
      const after = await stats();
      expect(run.code).toBe(0);
      const r = run.report!;
      expect(r.verdict).toBe("clean");
      expect(r.connections).toEqual({ attempted: 6, established: 6, failed: 0 });
      expect(r.throughput.messages).toBeGreaterThan(0);
      // The run drains before it ends, so nothing is left in flight: the counts agree exactly.
      expect(r.totals.receivedBytes).toBe(r.totals.sentBytes);
      expect(after.bytes.received - before.bytes.received).toBe(r.totals.sentBytes);
      expect(after.bytes.sent - before.bytes.sent).toBe(r.totals.receivedBytes);
      const l = r.latencyUs;
      expect(l.count).toBe(r.throughput.messages);
      expect(0 < l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max).toBe(true);
      expect(r.connectUs.count).toBe(6);
      expect(r.intervals.length).toBeGreaterThanOrEqual(1);
      // Each worker thread's own CPU clock is read on every target (GetThreadTimes under Wine).
      const busy = r.cpu.workerBusyPercent!;
      expect(busy).not.toBeNull();
      expect(0 <= busy.mean && busy.mean <= busy.busiest).toBe(true);
      for (const i of r.intervals) expect(i.busiestWorkerPercent).not.toBeNull();
    });
  }

  test("the text report names throughput, latency and a clean verdict; progress goes to stderr", async () => {
    const run = await bench(t, `127.0.0.1:${server.echoPort}`, ["-c", "2", "--workers", "1", "-i", "0.5"], false);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^throughput +\d+ msg\/s, [\d.]+ MB\/s, [\d.]+ Mbit\/s/m);
    expect(run.stdout).toMatch(/^latency +p50 [\d.]+ ms +p90 [\d.]+ ms +p99 [\d.]+ ms +p99\.9 [\d.]+ ms +max/m);
    expect(run.stdout).toContain("errors     none: every byte came back as sent");
    // A pipe, not a terminal: one line per interval.
    expect(
      run.stderr
        .trim()
        .split("\n")
        .filter((l) => l.includes("msg/s")).length,
    ).toBe(2);
  });
});
