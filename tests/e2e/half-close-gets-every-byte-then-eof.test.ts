import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, readAll, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("a client that shuts its write side receives every byte, then EOF", (t) => {
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start(t)));
  afterAll(async () => expect(await server.stop()).toBe(0));

  test("write 3 MiB, shutdown(SHUT_WR), read to EOF", async () => {
    const socket = await connect(server.echoPort);
    const payload = randomBytes(3 * 1024 * 1024);
    const back = readAll(socket);
    socket.end(payload); // FIN after the last byte
    const received = await back;
    expect(received.length).toBe(payload.length);
    expect(sha256(received)).toBe(sha256(payload));
    expect(socket.readableEnded).toBe(true);
    socket.destroy();
  });
});
