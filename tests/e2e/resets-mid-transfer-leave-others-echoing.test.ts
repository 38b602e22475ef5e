import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, echoOnce, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("clients that reset mid-transfer leave the others echoing", (t) => {
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start(t)));
  afterAll(async () => expect(await server.stop()).toBe(0));

  test("50 resetting clients beside 50 honest ones", async () => {
    const resetters = Array.from({ length: 50 }, async () => {
      const socket = await connect(server.echoPort);
      socket.on("error", () => {});
      socket.write(randomBytes(256 * 1024));
      await Bun.sleep(Math.random() * 20);
      socket.resetAndDestroy(); // RST, not FIN
    });
    const honest = Array.from({ length: 50 }, async () => {
      const payload = randomBytes(200_000);
      const back = await echoOnce(server.echoPort, payload);
      expect(sha256(back)).toBe(sha256(payload));
    });
    await Promise.all([...resetters, ...honest]);

    // The server notices every reset and frees the slots.
    const deadline = Date.now() + 10_000;
    let stats: { connections: { active: number; accepted: number; closed: number } };
    do {
      await Bun.sleep(50);
      stats = (await (await server.admin("/stats")).json()) as typeof stats;
    } while (stats.connections.active > 0 && Date.now() < deadline);
    expect(stats.connections.active).toBe(0);
    expect(stats.connections.closed).toBe(stats.connections.accepted);
    // And it still echoes.
    const after = randomBytes(1000);
    expect(sha256(await echoOnce(server.echoPort, after))).toBe(sha256(after));
  });
});
