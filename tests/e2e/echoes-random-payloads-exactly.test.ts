import { afterAll, beforeAll, expect, test } from "bun:test";
import { echoOnce, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const SIZES = [1, 2, 100, 1460, 8191, 8192, 8193, 65_536, 1_000_003, 8 * 1024 * 1024];

describeTargets("echoes random payloads from 1 B to 8 MiB byte for byte", (t) => {
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start(t)));
  afterAll(async () => expect(await server.stop()).toBe(0));

  for (const size of SIZES) {
    test(`${size} bytes`, async () => {
      const payload = randomBytes(size);
      const back = await echoOnce(server.echoPort, payload);
      expect(back.length).toBe(size);
      expect(sha256(back)).toBe(sha256(payload));
    });
  }

  test("/stats counts every byte both ways", async () => {
    const total = SIZES.reduce((a, b) => a + b, 0);
    const stats = (await (await server.admin("/stats")).json()) as { bytes: { received: number; sent: number } };
    expect(stats.bytes.received).toBe(total);
    expect(stats.bytes.sent).toBe(total);
  });
});
