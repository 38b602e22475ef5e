import { expect, test } from "bun:test";
import type net from "node:net";
import { connect, readExactly, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

interface Stats {
  loop: { receiveBufferBytes: number };
}

/** /stats' receive-buffer bytes once they equal `bytes` (workers publish after each turn; Wine is slow). */
async function receiveBufferBytesReach(server: ServerProcess, bytes: number): Promise<number> {
  const read = async () => ((await (await server.admin("/stats")).json()) as Stats).loop.receiveBufferBytes;
  const deadline = Date.now() + 15_000;
  let now = await read();
  while (now !== bytes && Date.now() < deadline) {
    await Bun.sleep(100);
    now = await read();
  }
  return now;
}

/** Writes `payload` while reading its echo; resolves with what came back. */
async function echoed(socket: net.Socket, payload: Buffer): Promise<Buffer> {
  const back = readExactly(socket, payload.length, 60_000);
  socket.write(payload);
  return back;
}

/**
 * Receive sizes adapt per connection: a stream grows its receive to the
 * ceiling, small messages shrink it again, and a silent connection gives
 * its buffer's memory back. Every one of those moves happens between two
 * operations of a live connection; none may lose, reorder or corrupt a byte.
 */
describeTargets("a connection that streams, idles and streams again gets every byte back", (t) => {
  test("stream, chat, idle, stream: each phase echoes exactly", async () => {
    const server = await ServerProcess.start(t, ["--buffer-size", "65536"]);
    const socket = await connect(server.echoPort);

    // Growth: 4 MiB in one go fills receive after receive.
    const first = randomBytes(4 * 1024 * 1024);
    expect(sha256(await echoed(socket, first))).toBe(sha256(first));
    // Its pending receive asks for the ceiling: that much memory may be used.
    expect(await receiveBufferBytesReach(server, 65_536)).toBe(65_536);

    // Shrink: small round trips, each a short receive.
    for (let i = 0; i < 40; i++) {
      const small = randomBytes(1 + (i % 7) * 50);
      expect((await echoed(socket, small)).equals(small)).toBe(true);
    }
    // Halved every four short receives, down to the start size: one page.
    expect(await receiveBufferBytesReach(server, 4096)).toBe(4096);

    // Idle: past the one-second release and at least one sweep; nothing is held.
    await Bun.sleep(2500);
    expect(await receiveBufferBytesReach(server, 0)).toBe(0);

    // Growth again, from whatever the idle release left.
    const second = randomBytes(4 * 1024 * 1024);
    expect(sha256(await echoed(socket, second))).toBe(sha256(second));

    // And small again straight after, then a last stream of odd sizes.
    const tail = Buffer.concat([randomBytes(3), randomBytes(70_001), randomBytes(1)]);
    expect(sha256(await echoed(socket, tail))).toBe(sha256(tail));
    socket.end();
    expect(await server.stop()).toBe(0);
  }, 120_000);

  test("many slow readers at once still bound the server's memory", async () => {
    // Each client writes 4 MiB and reads nothing: every connection's receive
    // grows to the ceiling, then its send waits on a full socket, and the
    // server must stop reading it. Memory: one ceiling-sized buffer each.
    const server = await ServerProcess.start(t, ["--buffer-size", "65536"]);
    const clients = await Promise.all(Array.from({ length: 16 }, () => connect(server.echoPort)));
    const payloads = clients.map(() => randomBytes(4 * 1024 * 1024));
    for (const c of clients) c.pause();
    const rssBefore = server.rssKiB();
    for (const [i, c] of clients.entries()) c.write(payloads[i]!);
    await Bun.sleep(1500);
    const rssStalled = server.rssKiB();
    const stalled = await (await server.admin("/stats")).json();
    const backs = clients.map((c, i) => readExactly(c, payloads[i]!.length, 90_000));
    for (const c of clients) c.resume();
    const echoedBack = await Promise.all(backs);
    expect(echoedBack.map(sha256)).toEqual(payloads.map(sha256));
    for (const c of clients) c.end();
    // 16 x 64 KiB is 1 MiB; the 64 MiB the clients wrote sit in kernel socket buffers.
    expect(rssStalled - rssBefore).toBeLessThan(16 * 1024);
    // What the server counts: at most one ceiling-sized receive buffer per connection.
    expect((stalled as Stats).loop.receiveBufferBytes).toBeLessThanOrEqual(16 * 65_536);
    expect(await server.stop()).toBe(0);
  }, 120_000);
});
