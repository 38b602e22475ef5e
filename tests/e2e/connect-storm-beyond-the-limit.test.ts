import { expect, test } from "bun:test";
import { closedByPeer, connect, randomBytes, readExactly, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const LIMIT = 10;
const STORM = 300;

describeTargets(
  "a connect storm far beyond --max-connections is refused promptly while admitted clients keep echoing",
  (t) => {
    test(`${STORM} extra connections against a limit of ${LIMIT}`, { timeout: 120_000 }, async () => {
      const server = await ServerProcess.start(t, ["--max-connections", String(LIMIT)]);
      const admitted = await Promise.all(Array.from({ length: LIMIT }, () => connect(server.echoPort)));
      // A connect completes in the kernel before the server accepts it: one echo
      // each proves all ten hold their slots before the storm begins.
      for (const socket of admitted) {
        socket.write("x");
        expect((await readExactly(socket, 1)).toString()).toBe("x");
      }
      let echoing = true;
      let rounds = 0;
      // The admitted clients echo 4 KiB round trips for as long as the storm lasts.
      const steady = Promise.all(
        admitted.map(async (socket) => {
          while (echoing) {
            const payload = randomBytes(4096);
            socket.write(payload);
            expect(sha256(await readExactly(socket, payload.length))).toBe(sha256(payload));
            rounds++;
          }
        }),
      );
      const storm = await Promise.all(
        Array.from({ length: STORM }, async () => {
          const socket = await connect(server.echoPort).catch(() => null);
          if (socket === null) return true; // refused outright also counts as refused
          socket.on("error", () => {});
          await closedByPeer(socket, 10_000); // "promptly": closed by the server, never left waiting
          socket.destroy();
          return true;
        }),
      );
      echoing = false;
      await steady;
      expect(storm.every(Boolean)).toBe(true);
      expect(rounds).toBeGreaterThan(LIMIT);
      const stats = (await (await server.admin("/stats")).json()) as {
        connections: { rejected: number; active: number; peak: number };
      };
      expect(stats.connections.rejected).toBe(STORM);
      expect(stats.connections.active).toBe(LIMIT);
      expect(stats.connections.peak).toBe(LIMIT);
      for (const s of admitted) s.end();
      expect(await server.stop()).toBe(0);
    });
  },
);
