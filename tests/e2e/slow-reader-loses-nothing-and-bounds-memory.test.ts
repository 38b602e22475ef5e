import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const TOTAL = 32 * 1024 * 1024;

describeTargets("a slow reader of 32 MiB loses nothing and the server's memory stays bounded", (t) => {
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start(t)));
  afterAll(async () => expect(await server.stop()).toBe(0));

  test("client writes 32 MiB while reading in a trickle", { timeout: 90_000 }, async () => {
    const socket = await connect(server.echoPort);
    const payload = randomBytes(TOTAL);
    const chunks: Buffer[] = [];
    let have = 0;
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      have += c.length;
    });
    socket.pause();
    const rssBefore = server.rssKiB();
    socket.write(payload);
    // Not reading: the socket buffers fill and the server must stop reading too.
    await Bun.sleep(1000);
    const rssStalled = server.rssKiB();
    expect(have).toBe(0);
    // A trickle first, then everything.
    for (let i = 0; i < 20; i++) {
      socket.resume();
      await Bun.sleep(5);
      socket.pause();
      await Bun.sleep(20);
    }
    socket.resume();
    const deadline = Date.now() + 60_000;
    while (have < TOTAL && Date.now() < deadline) await Bun.sleep(20);
    const back = Buffer.concat(chunks);
    expect(back.length).toBe(TOTAL);
    expect(sha256(back)).toBe(sha256(payload));
    socket.destroy();
    // One buffer per connection; the backlog sits in kernel socket buffers.
    expect(rssStalled - rssBefore).toBeLessThan(16 * 1024);
  });
});
