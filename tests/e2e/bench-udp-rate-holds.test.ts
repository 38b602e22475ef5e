import { afterAll, beforeAll, expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("bench --udp --rate", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start(t, ["--udp", "--udp-rate", "0"]);
  });
  afterAll(async () => {
    await server.stop();
  });

  // Skipped under Wine, visibly, as the TCP rate test is: Wine's timings say nothing about Windows (DESIGN.md).
  test.skipIf(t.name === "wine")("at a rate the server easily sustains, datagrams/s are within 5% of it", async () => {
    const args = ["--udp", "-c", "10", "--rate", "2000", "-d", "2", "--pipeline", "4"];
    const run = await bench(t, `127.0.0.1:${server.echoPort}`, args);
    expect(run.code).toBe(0);
    const r = run.report!;
    expect(Math.abs(r.throughput.messagesPerSec - 2000) / 2000).toBeLessThanOrEqual(0.05);
    expect(r.udp!.lost).toBe(0);
    expect(r.udp!.received).toBe(r.udp!.sent);
  });

  test("paced datagrams are verified and counted under Wine too", async () => {
    const args = ["--udp", "-c", "2", "--rate", "200", "--pipeline", "2"];
    const run = await bench(t, `127.0.0.1:${server.echoPort}`, args);
    expect(run.code).toBe(0);
    const u = run.report!.udp!;
    expect(u.sent).toBeGreaterThan(0);
    // Paced: about 200 in the second, never the thousands a closed loop sends.
    expect(u.sent).toBeLessThan(400);
    expect(u).toMatchObject({ received: u.sent, lost: 0, duplicate: 0, wrong: 0 });
  });
});
