import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { describeTargets, ServerProcess } from "./harness.ts";

/** Sends raw bytes to the admin port; resolves with whatever comes back before close (5 s at most). */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let reply = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(done, 5000);
    socket.on("data", (d) => {
      reply += d.toString();
    });
    socket.on("close", done);
    socket.on("error", done);
    socket.write(bytes);
  });
}

describeTargets("the admin API survives hostile and heavy requests and stays healthy", (t) => {
  let server: ServerProcess;
  let port = 0;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
    port = server.ready.admin.port;
  });
  afterAll(async () => expect(await server.stop()).toBe(0));

  test("1,000 concurrent GET /stats all answer 200 with JSON", { timeout: 120_000 }, async () => {
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const res = await server.admin("/stats");
        const body = (await res.json()) as { backend?: string };
        return res.status === 200 && body.backend === server.ready.backend;
      }),
    );
    expect(statuses.filter(Boolean)).toHaveLength(1000);
  });

  test("malformed HTTP is answered 400 (505 for an unknown version), never a crash", async () => {
    const cases: [string, number][] = [
      ["GARBAGE\r\n\r\n", 400],
      ["GET\r\n\r\n", 400],
      ["\x00\x01\x02\x03\r\n\r\n", 400],
      ["GET /stats HTTP/9.9\r\nHost: x\r\n\r\n", 505],
    ];
    for (const [junk, status] of cases) expect((await raw(port, junk)).slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
    expect((await server.admin("/healthz")).status).toBe(200);
  });

  test("a 100 KB header is answered 431, and the server stays healthy", async () => {
    const reply = await raw(port, `GET /stats HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`);
    expect(reply.slice(0, 12)).toBe("HTTP/1.1 431");
    expect((await server.admin("/healthz")).status).toBe(200);
  });

  test("a POST /shutdown announcing a 1 MB body is answered 413 and shuts nothing down", async () => {
    const reply = await raw(port, "POST /shutdown HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
    expect(reply.slice(0, 12)).toBe("HTTP/1.1 413");
    expect((await server.admin("/healthz")).status).toBe(200);
  });
});
