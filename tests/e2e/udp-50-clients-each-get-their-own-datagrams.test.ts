import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient } from "./udp-clients.ts";

const CLIENTS = 50;
const PER_CLIENT = 200;
/** Datagrams a client keeps unanswered at most: enough to load the server, few enough not to overflow loopback queues. */
const WINDOW = 8;
/** How long a client waits for the last of its window before calling the rest lost. */
const STALL_MS = 3000;

/** Each datagram: client (2 bytes), sequence (2 bytes), then random bytes of a random length. */
function datagram(client: number, seq: number): Buffer {
  const body = randomBytes(4 + Math.floor(Math.random() * 1200));
  body.writeUInt16BE(client, 0);
  body.writeUInt16BE(seq, 2);
  return body;
}

async function run(client: UdpClient, id: number, port: number): Promise<{ sent: Map<number, Buffer>; lost: number }> {
  const sent = new Map<number, Buffer>();
  let next = 0;
  while (next < PER_CLIENT) {
    while (next < PER_CLIENT && next - client.replies.length < WINDOW) {
      const d = datagram(id, next);
      sent.set(next++, d);
      await client.send(d, port);
    }
    // Wait for the window to drain; a stall means the kernel dropped some.
    if (!(await client.waitFor(next - WINDOW + 1, STALL_MS))) break;
  }
  await client.waitFor(next, STALL_MS);
  return { sent, lost: PER_CLIENT - client.replies.length };
}

describeTargets("50 UDP clients x 200 datagrams at once each get back exactly their own", (t) => {
  test("no datagram goes to the wrong socket or comes back changed or twice; loss is counted", async () => {
    const server = await ServerProcess.start(t, ["--udp"]);
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => UdpClient.open("udp4")));
    try {
      const results = await Promise.all(clients.map((c, id) => run(c, id, server.echoPort)));
      let lost = 0;
      for (const [id, c] of clients.entries()) {
        const { sent } = results[id]!;
        const seen = new Set<number>();
        for (const r of c.replies) {
          expect(r.data.readUInt16BE(0), "a reply reached the wrong client").toBe(id);
          const seq = r.data.readUInt16BE(2);
          expect(seen.has(seq), `client ${id} got datagram ${seq} twice`).toBe(false);
          seen.add(seq);
          expect(r.data.equals(sent.get(seq)!), `client ${id} datagram ${seq} changed`).toBe(true);
        }
        lost += results[id]!.lost;
      }
      console.error(`udp 50x200 [${t.name}]: ${CLIENTS * PER_CLIENT - lost} echoed, ${lost} lost in the kernel`);
      // Loopback drops only when a queue overflows; the window keeps that rare.
      expect(lost).toBeLessThanOrEqual((CLIENTS * PER_CLIENT) / 100);
    } finally {
      for (const c of clients) c.close();
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
