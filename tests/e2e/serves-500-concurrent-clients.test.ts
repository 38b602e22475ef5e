import { afterAll, beforeAll, expect, test } from "bun:test";
import { echoOnce, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const CLIENTS = 500;

describeTargets("serves 500 concurrent clients, each getting its own bytes back", (t) => {
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start(t)));
  afterAll(async () => expect(await server.stop()).toBe(0));

  test(`${CLIENTS} clients at once`, async () => {
    const payloads = Array.from({ length: CLIENTS }, (_, i) => randomBytes(1000 + i * 37));
    const results = await Promise.all(payloads.map((p) => echoOnce(server.echoPort, p)));
    for (const [i, back] of results.entries()) expect(sha256(back)).toBe(sha256(payloads[i]!));
    const stats = (await (await server.admin("/stats")).json()) as { connections: { accepted: number; peak: number } };
    expect(stats.connections.accepted).toBe(CLIENTS);
    expect(stats.connections.peak).toBeGreaterThan(1);
  });
});
