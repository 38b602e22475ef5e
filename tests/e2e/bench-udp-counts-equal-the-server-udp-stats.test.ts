import { afterAll, beforeAll, expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { describeTargets, ServerProcess } from "./harness.ts";
import { udpStats, udpStatsWhen } from "./udp-clients.ts";

describeTargets("bench --udp counts equal the server's UDP /stats", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    // No per-source cap: every socket of the bench comes from 127.0.0.1.
    server = await ServerProcess.start(t, ["--udp", "--udp-rate", "0"]);
  });
  afterAll(async () => {
    await server.stop();
  });

  test("every datagram sent came back once, verified, and the server saw each one", async () => {
    const admin = server.admin.bind(server);
    const before = await udpStats(admin);
    const args = ["--udp", "-c", "4", "--workers", "2", "--pipeline", "4", "-l", "200"];
    const run = await bench(t, `127.0.0.1:${server.echoPort}`, args);
    expect(run.code).toBe(0);
    const r = run.report!;
    expect(r.verdict).toBe("clean");
    const u = r.udp!;
    expect(u.sent).toBeGreaterThan(0);
    expect(u).toMatchObject({ received: u.sent, lost: 0, late: 0, duplicate: 0, wrong: 0, lossPercent: 0 });
    const after = await udpStatsWhen(admin, (s) => s.echoed - before.echoed >= u.received);
    expect(after.received - before.received).toBe(u.sent);
    expect(after.echoed - before.echoed).toBe(u.received);
    expect(after.bytes.received - before.bytes.received).toBe(r.totals.sentBytes);
    expect(after.bytes.sent - before.bytes.sent).toBe(r.totals.receivedBytes);
    expect(r.totals.sentBytes).toBe(u.sent * 200);
    expect(r.totals.sentMessages).toBe(u.sent);
    expect(r.connections).toEqual({ attempted: 4, established: 4, failed: 0 });
    const l = r.latencyUs;
    expect(l.count).toBe(r.throughput.messages);
    expect(0 < l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max).toBe(true);
    expect(u.jitterUs.mean).toBeGreaterThan(0);
    expect(u.jitterUs.max).toBeGreaterThanOrEqual(u.jitterUs.mean);
    expect(r.intervals.length).toBeGreaterThanOrEqual(1);
    for (const i of r.intervals) expect(i.udp).toMatchObject({ lost: 0, duplicate: 0 });
  });
});
