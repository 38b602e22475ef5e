import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import type net from "node:net";
import { connect, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

type Step = { kind: "write"; bytes: number } | { kind: "pause"; ms: number };
interface Plan {
  steps: Step[];
  /** How the client ends: half-close and read to EOF, or reset mid-way. */
  ending: "half-close" | "reset";
}

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 70_000 }).map((bytes) => ({ kind: "write" as const, bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((ms) => ({ kind: "pause" as const, ms })) },
);
const plan: fc.Arbitrary<Plan> = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 12 }),
  ending: fc.constantFrom("half-close", "half-close", "half-close", "reset"),
});

/** Plays one connection's plan; resolves with [sent, received] (received is null after a reset). */
async function play(port: number, p: Plan): Promise<[Buffer, Buffer | null]> {
  const socket: net.Socket = await connect(port);
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve) => {
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", resolve);
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
  });
  const sent: Buffer[] = [];
  for (const s of p.steps) {
    if (s.kind === "pause") await Bun.sleep(s.ms);
    else {
      const data = randomBytes(s.bytes);
      sent.push(data);
      socket.write(data);
    }
  }
  if (p.ending === "reset") {
    socket.resetAndDestroy();
    return [Buffer.concat(sent), null];
  }
  socket.end();
  await ended;
  socket.destroy();
  return [Buffer.concat(sent), Buffer.concat(chunks)];
}

describeTargets(
  "random interleavings of writes, pauses, half-closes and resets: every connection gets back exactly what it sent",
  (t) => {
    let server: ServerProcess;
    beforeAll(async () => (server = await ServerProcess.start(t)));
    afterAll(async () => expect(await server.stop()).toBe(0));

    test("model: echo(sent) === received, in order, per connection", { timeout: 300_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(plan, { minLength: 1, maxLength: 24 }), async (plans) => {
          const outcomes = await Promise.all(plans.map((p) => play(server.echoPort, p)));
          for (const [sent, received] of outcomes) {
            if (received !== null) expect(sha256(received)).toBe(sha256(sent));
          }
        }),
        { numRuns: t.name === "wine" ? 8 : 25 },
      );
      // Nothing is left open or miscounted once every client has gone.
      const deadline = Date.now() + 10_000;
      let stats: { connections: { active: number; accepted: number; closed: number } };
      do {
        await Bun.sleep(50);
        stats = (await (await server.admin("/stats")).json()) as typeof stats;
      } while (stats.connections.active > 0 && Date.now() < deadline);
      expect(stats.connections.active).toBe(0);
      expect(stats.connections.closed).toBe(stats.connections.accepted);
    });
  },
);
