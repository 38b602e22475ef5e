import { expect, test } from "bun:test";
import { closedByPeer, connect, readExactly } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("--idle-timeout closes connections that stay silent, not busy ones", (t) => {
  test("silent closed within the timeout plus a tick; chatty kept", async () => {
    const server = await ServerProcess.start(t, ["--idle-timeout", "400"]);
    const silent = await connect(server.echoPort);
    const chatty = await connect(server.echoPort);
    const started = Date.now();
    const silentClosed = closedByPeer(silent, 5000).then(() => Date.now() - started);
    for (let i = 0; i < 12; i++) {
      chatty.write("p");
      expect((await readExactly(chatty, 1)).toString()).toBe("p");
      await Bun.sleep(100);
    }
    const after = await silentClosed;
    expect(after).toBeGreaterThanOrEqual(350);
    expect(chatty.destroyed).toBe(false);
    const stats = (await (await server.admin("/stats")).json()) as {
      connections: { idleClosed: number; active: number };
    };
    expect(stats.connections.idleClosed).toBe(1);
    expect(stats.connections.active).toBe(1);
    chatty.end();
    expect(await server.stop()).toBe(0);
  });
});
