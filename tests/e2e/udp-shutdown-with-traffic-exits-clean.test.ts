import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient } from "./udp-clients.ts";

describeTargets("shutdown with UDP traffic in flight exits 0 and leaks nothing", (t) => {
  test("POST /shutdown while 8 clients flood: exit 0, no socket or ring left open", async () => {
    const server = await ServerProcess.start(t, ["--udp"]);
    const clients = await Promise.all(Array.from({ length: 8 }, () => UdpClient.open("udp4")));
    let flooding = true;
    const payload = Buffer.alloc(1024, 9);
    const floods = clients.map(async (c) => {
      // Bounded in time: at most 30 s even if the server never stops.
      const until = Date.now() + 30_000;
      while (flooding && Date.now() < until) {
        // Bursts with a pause between: the test's own admin requests still get the event loop.
        for (let i = 0; i < 32; i++) c.socket.send(payload, server.echoPort, "127.0.0.1");
        await Bun.sleep(2);
      }
    });
    try {
      // Traffic is in flight once every client has had an echo (Wine takes a while to get there).
      const until = Date.now() + 15_000;
      while (!clients.every((c) => c.replies.length > 0) && Date.now() < until) await Bun.sleep(50);
      expect(clients.every((c) => c.replies.length > 0)).toBe(true);
      expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
      expect(await server.exit()).toBe(0);
    } finally {
      flooding = false;
      await Promise.all(floods);
      for (const c of clients) c.close();
    }
    // Under Wine the server is a Windows process: no /proc view of its handles.
    if (t.name !== "wine")
      expect(server.stderrText).toMatch(/sockets and io_uring rings: 0 open at exit, \d+ before start/);
  }, 60_000);
});
