import { describe, expect, test } from "bun:test";
import { createAdminApp } from "../../src/admin/app.ts";
import { MAX_EVENT_STREAMS } from "../../src/admin/events.ts";
import { SampleSchema } from "../../src/admin/schemas.ts";
import { fakeAdminDeps } from "../fakes/admin-deps.ts";
import { readEvents } from "../fakes/sse.ts";

describe("GET /events", () => {
  test("is an event stream of `sample` events carrying stats, threads, health and about", async () => {
    const app = createAdminApp(fakeAdminDeps({ token: "a-token-of-ten" }));
    const res = await app.request("/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const events = await readEvents(res.body!, 2);
    expect(events.map((e) => [e.event, e.id])).toEqual([
      ["sample", "0"],
      ["sample", "1"],
    ]);
    const [first, second] = events.map((e) => SampleSchema.parse(JSON.parse(e.data)));
    expect(first!.stats.backend).toBe("fake");
    expect(first!.threads.map((t) => t.threadId)).toEqual([11, 12]);
    expect(first!.health).toEqual({ status: "ok" });
    expect(first!.about).toEqual({ version: "9.9.9", protocols: ["tcp"], tokenRequired: true });
    // One a second: the second sample is stamped about a second after the first.
    expect(Date.parse(second!.time) - Date.parse(first!.time)).toBeGreaterThanOrEqual(900);
  });

  test("a sample reports an unhealthy server", async () => {
    const app = createAdminApp(fakeAdminDeps({ unhealthy: () => "worker 0 failed" }));
    const [event] = await readEvents((await app.request("/events")).body!, 1);
    expect(SampleSchema.parse(JSON.parse(event!.data)).health).toEqual({
      status: "unavailable",
      reason: "worker 0 failed",
    });
  });

  test(`past ${MAX_EVENT_STREAMS} open streams the next is 503, and a closed one frees its place`, async () => {
    const app = createAdminApp(fakeAdminDeps());
    const open = await Promise.all(Array.from({ length: MAX_EVENT_STREAMS }, () => app.request("/events")));
    expect(open.map((r) => r.status)).toEqual(Array(MAX_EVENT_STREAMS).fill(200));
    const refused = await app.request("/events");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(((await refused.json()) as { error: string }).error).toContain(`${MAX_EVENT_STREAMS} are open`);
    await open[0]!.body!.cancel();
    // The stream's loop notices the cancel at its next tick.
    let again = await app.request("/events");
    for (let i = 0; again.status === 503 && i < 30; i++) {
      await Bun.sleep(100);
      again = await app.request("/events");
    }
    expect(again.status).toBe(200);
    await Promise.all([again, ...open.slice(1)].map((r) => r.body!.cancel()));
  });
});
