import { expect, test } from "bun:test";
import { canConnect, connect, readAll, readExactly, randomBytes, sha256 } from "./clients.ts";
import type net from "node:net";

/** A connect completes in the kernel before the server accepts: an echo proves it did. */
async function accepted(socket: net.Socket): Promise<void> {
  socket.write("!");
  if ((await readExactly(socket, 1)).toString() !== "!") throw new Error("no echo before the test began");
}
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("POST /shutdown lets an in-flight transfer finish, then exits 0 and frees the port", (t) => {
  test("transfer started before /shutdown completes", async () => {
    const server = await ServerProcess.start(t, ["--drain-timeout", "20000"]);
    const socket = await connect(server.echoPort);
    await accepted(socket);
    const payload = randomBytes(4 * 1024 * 1024);
    const back = readAll(socket, 60_000);
    // Write in pieces over ~600 ms so the shutdown lands mid-transfer.
    const pieces = 12;
    const step = payload.length / pieces;
    for (let i = 0; i < pieces; i++) {
      socket.write(payload.subarray(i * step, (i + 1) * step));
      if (i === 3) {
        const res = await server.admin("/shutdown", { method: "POST" });
        expect(res.status).toBe(202);
        // A second request is harmless.
        expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
      }
      await Bun.sleep(50);
    }
    // New connections are refused while the old one drains.
    expect(await canConnect(server.echoPort)).toBe(false);
    socket.end();
    const received = await back;
    expect(sha256(received)).toBe(sha256(payload));
    expect(await server.exit()).toBe(0);
    expect(server.stderrText).toContain("shutting down");
    // The port is free again: a new listener can take it.
    const again = Bun.listen({ hostname: "127.0.0.1", port: server.echoPort, socket: { data() {} } });
    again.stop(true);
  });

  test("the drain timeout closes connections that do not finish", async () => {
    const server = await ServerProcess.start(t, ["--drain-timeout", "300"]);
    const socket = await connect(server.echoPort);
    await accepted(socket);
    const closed = readAll(socket, 10_000);
    socket.write("still here");
    expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
    expect((await closed).toString()).toBe("still here");
    expect(await server.exit()).toBe(0);
    expect(server.stderrText).toContain("drain timeout");
  });

  // Under Wine the server is a Windows process: no /proc view of its handles.
  test.skipIf(t.name === "wine")(
    `connections cut by the drain timeout leave no socket or ring open${t.name === "wine" ? " (Linux /proc only)" : ""}`,
    async () => {
      const server = await ServerProcess.start(t, ["--drain-timeout", "300"]);
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect(server.echoPort)));
      await Promise.all(clients.map((c) => accepted(c)));
      for (const c of clients) c.on("error", () => {});
      // Half of them keep writing and never read: echoes back up in both directions.
      const chunk = Buffer.alloc(64 * 1024, 7);
      const busy = clients.slice(0, 10);
      const writing = setInterval(() => {
        for (const c of busy) if (!c.destroyed) c.write(chunk);
      }, 5);
      for (const c of busy) c.pause();
      await Bun.sleep(200);
      expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
      const code = await server.exit();
      clearInterval(writing);
      for (const c of clients) c.destroy();
      expect(code).toBe(0);
      expect(server.stderrText).toContain("drain timeout (300 ms): closing 20 connections");
      expect(server.stderrText).toMatch(/sockets and io_uring rings: 0 open at exit, \d+ before start/);
    },
  );
});
