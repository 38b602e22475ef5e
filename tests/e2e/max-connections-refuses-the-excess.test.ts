import { expect, test } from "bun:test";
import { closedByPeer, connect, readExactly } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("--max-connections closes connections over the limit at once and keeps the rest", (t) => {
  test("limit 3: the 4th and 5th are closed and counted", async () => {
    const server = await ServerProcess.start(t, ["--max-connections", "3"]);
    const kept = await Promise.all([1, 2, 3].map(() => connect(server.echoPort)));
    for (const s of kept) {
      s.write("x");
      expect((await readExactly(s, 1)).toString()).toBe("x");
    }
    for (let i = 0; i < 2; i++) {
      const extra = await connect(server.echoPort);
      extra.on("error", () => {});
      extra.write("y");
      await closedByPeer(extra, 5000);
      extra.destroy();
    }
    const stats = (await (await server.admin("/stats")).json()) as {
      connections: { active: number; rejected: number };
    };
    expect(stats.connections.rejected).toBe(2);
    expect(stats.connections.active).toBe(3);
    // The three still echo.
    for (const s of kept) {
      s.write("again");
      expect((await readExactly(s, 5)).toString()).toBe("again");
      s.end();
    }
    expect(await server.stop()).toBe(0);
  });
});
