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
      // Bounded in time: at most 10 s even if the server never stops.
      const until = Date.now() + 10_000;
      while (flooding && Date.now() < until) {
        await c.send(payload, server.echoPort);
        if (c.replies.length % 64 === 0) await Bun.sleep(1);
      }
    });
    try {
      await Bun.sleep(300);
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
  });
});
