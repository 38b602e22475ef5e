import { expect, test } from "bun:test";
import { connect, readExactly } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";
import { connectEchoAndVanish, RepairNotPermitted } from "./vanishing-client.ts";

interface Stats {
  connections: { active: number; accepted: number; closed: number };
}

/** Whether this process may set TCP_REPAIR (root, or CAP_NET_ADMIN). */
const mayRepair = process.getuid?.() === 0;

describeTargets("--keepalive finds clients that vanished without a FIN; live idle ones stay", (t) => {
  test.skipIf(!mayRepair)(
    `vanished peer closed after about the keepalive time${mayRepair ? "" : " (needs root for TCP_REPAIR)"}`,
    async () => {
      const server = await ServerProcess.start(t, ["--keepalive", "1000"]);
      const live = await connect(server.echoPort);
      live.write("x");
      expect((await readExactly(live, 1)).toString()).toBe("x");

      const vanishedAt = Date.now();
      try {
        connectEchoAndVanish(server.echoPort);
      } catch (error) {
        if (error instanceof RepairNotPermitted) throw new Error("running as root yet TCP_REPAIR was refused");
        throw error;
      }
      let stats = (await (await server.admin("/stats")).json()) as Stats;
      expect(stats.connections.active).toBe(2); // the server has no idea yet

      // One keepalive probe after 1 s of silence; the vanished side's kernel
      // answers it with a reset, and the pending recv fails.
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline) {
        stats = (await (await server.admin("/stats")).json()) as Stats;
        if (stats.connections.active === 1) break;
        await Bun.sleep(100);
      }
      const foundAfter = Date.now() - vanishedAt;
      expect(stats.connections.active).toBe(1);
      expect(stats.connections.closed).toBe(1);
      expect(foundAfter).toBeGreaterThanOrEqual(900);

      // The live client has been silent as long and answered its probes: still served.
      await Bun.sleep(1500);
      live.write("still here");
      expect((await readExactly(live, 10)).toString()).toBe("still here");
      live.end();
      expect(await server.stop()).toBe(0);
    },
    30_000,
  );
});
