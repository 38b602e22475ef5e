import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("open /events streams end at shutdown and do not hold it", (t) => {
  test("two streams open, POST /shutdown: both streams end and the server exits 0", async () => {
    const server = await ServerProcess.start(t);
    const streams = await Promise.all([server.admin("/events"), server.admin("/events")]);
    for (const res of streams) expect(res.status).toBe(200);
    // Read the first sample of each, then keep reading until the server ends the stream.
    const ended = streams.map(async (res) => {
      const reader = res.body!.getReader();
      let events = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          events += new TextDecoder().decode(value).split("event: sample").length - 1;
        }
      } catch {
        // A connection closed under a pending read is an end too.
      }
      return events;
    });
    expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
    expect(await server.exit()).toBe(0);
    for (const events of await Promise.all(ended)) expect(events).toBeGreaterThanOrEqual(1);
  });

  test("a ninth stream at once is refused with 503 while eight are open", async () => {
    const server = await ServerProcess.start(t);
    const open = await Promise.all(Array.from({ length: 8 }, () => server.admin("/events")));
    // Each has sent its first sample and stays open (the reader is kept, not cancelled).
    await Promise.all(open.map((res) => res.body!.getReader().read()));
    const refused = await server.admin("/events");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(await server.stop()).toBe(0);
  });
});
