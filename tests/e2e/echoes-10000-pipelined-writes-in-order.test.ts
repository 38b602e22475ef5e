import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, readExactly } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const WRITES = 10_000;

describeTargets("echoes 10,000 pipelined small writes on one connection in order", (t) => {
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start(t)));
  afterAll(async () => expect(await server.stop()).toBe(0));

  test(`${WRITES} writes without waiting for replies`, async () => {
    const socket = await connect(server.echoPort);
    const messages = Array.from({ length: WRITES }, (_, i) => `${i.toString().padStart(5, "0")};`);
    const expected = Buffer.from(messages.join(""));
    const back = readExactly(socket, expected.length, 60_000);
    for (const m of messages) socket.write(m);
    expect((await back).toString()).toBe(expected.toString());
    socket.destroy();
  });
});
