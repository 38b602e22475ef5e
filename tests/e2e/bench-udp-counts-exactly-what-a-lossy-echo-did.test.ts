import { afterAll, beforeAll, expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { FaultyUdpEcho } from "./faulty-udp-echo.ts";
import { describeTargets } from "./harness.ts";

// A generous loss timeout: the fixture holds datagrams for 50 ms, and a busy machine must not turn them into losses.
const ARGS = ["--udp", "-c", "3", "--workers", "2", "--pipeline", "4", "-l", "100", "--loss-timeout", "1000"];

describeTargets("bench --udp counts exactly what a lossy echo did", (t) => {
  let lossy: FaultyUdpEcho;
  let swap: FaultyUdpEcho;
  beforeAll(async () => {
    lossy = await FaultyUdpEcho.start("lossy");
    swap = await FaultyUdpEcho.start("swap");
  });
  afterAll(() => {
    lossy.stop();
    swap.stop();
  });

  test("drops are lost, second copies duplicates, swaps reordered, each to the datagram; exit 1", async () => {
    const run = await bench(t, `127.0.0.1:${lossy.port}`, ARGS);
    const did = await lossy.counts();
    expect(run.code).toBe(1);
    const r = run.report!;
    expect(r.verdict).toBe("errors");
    const u = r.udp!;
    expect(did.dropped).toBeGreaterThan(0);
    expect(did.duplicated).toBeGreaterThan(0);
    expect(did.swapped).toBeGreaterThan(0);
    expect(u.sent).toBe(did.received);
    expect(u.lost).toBe(did.dropped);
    expect(u.duplicate).toBe(did.duplicated);
    expect(u.reordered).toBe(did.swapped);
    expect([u.late, u.wrong]).toEqual([0, 0]);
    expect(u.received).toBe(u.sent - u.lost);
    expect(u.lossPercent).toBeCloseTo((100 * did.dropped) / did.received, 2);
    expect(r.errors.lost).toBe(did.dropped);
    expect(r.errors.duplicate).toBe(did.duplicated);
    expect(r.errors.corrupt + r.errors.dropped + r.errors.extra + r.errors.crosstalk).toBe(0);
    expect(r.config.udp).toBe(true);
    expect(r.config.lossTimeoutMs).toBe(1000);
  });

  test("reordering alone is reported, exactly, and is no error: exit 0", async () => {
    const run = await bench(t, `127.0.0.1:${swap.port}`, ARGS, false);
    const did = await swap.counts();
    expect(run.code).toBe(0);
    expect(did.swapped).toBeGreaterThan(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith("udp "))!;
    expect(line).toMatch(
      new RegExp(
        `^udp +${did.received} sent, ${did.received} received, 0 lost \\(0%\\), 0 late, 0 duplicate, ${did.swapped} reordered; jitter [\\d.]+ ms`,
      ),
    );
    expect(run.stdout).toContain("errors     none: every byte came back as sent");
  });
});
