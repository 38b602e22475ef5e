import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createAdminApp } from "../../src/admin/app.ts";
import { EventStreams, MAX_EVENT_STREAMS } from "../../src/admin/events.ts";
import { HistorySchema, type Sample, SampleSchema } from "../../src/admin/schemas.ts";
import { fakeAdminDeps } from "../fakes/admin-deps.ts";
import { readEvents } from "../fakes/sse.ts";

describe("GET /events", () => {
  test("opens with the history, then `sample` events carrying stats, threads, health and about", async () => {
    const app = createAdminApp(fakeAdminDeps({ token: "a-token-of-ten" }));
    const res = await app.request("/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const [history, ...samples] = await readEvents(res.body!, 3);
    expect(history!.event).toBe("history");
    expect(HistorySchema.parse(JSON.parse(history!.data)).points.length).toBeLessThanOrEqual(1);
    expect(samples.map((e) => e.event)).toEqual(["sample", "sample"]);
    const [first, second] = samples.map((e) => SampleSchema.parse(JSON.parse(e.data)));
    expect(first!.stats.backend).toBe("fake");
    expect(first!.threads.map((t) => t.threadId)).toEqual([11, 12]);
    expect(first!.health).toEqual({ status: "ok" });
    expect(first!.about).toEqual({ version: "9.9.9", protocols: ["tcp"], tokenRequired: true });
    expect(Date.parse(second!.time)).toBeGreaterThan(Date.parse(first!.time));
  });

  test("the history holds the last samples, oldest first, up to its size", async () => {
    let n = 0;
    const sample = (): Sample => {
      const s = SampleSchema.parse(
        JSON.parse(JSON.stringify({ ...fakeSample, time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() })),
      );
      s.stats.connections.accepted = n++;
      return s;
    };
    const fakeSample = await firstSample();
    const streams = new EventStreams(sample, { intervalMs: 5, historySamples: 3 });
    while (n < 6) await Bun.sleep(5);
    const app = new Hono().get("/events", (c) => streams.respond(c));
    const [history] = await readEvents((await app.request("/events")).body!, 1);
    const accepted = HistorySchema.parse(JSON.parse(history!.data)).points.map((p) => p.stats.connections.accepted);
    expect(accepted).toHaveLength(3);
    expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
    expect(accepted.at(-1)).toBeGreaterThanOrEqual(5);
  });

  test("a sample reports an unhealthy server", async () => {
    const app = createAdminApp(fakeAdminDeps({ unhealthy: () => "worker 0 failed" }));
    const [, event] = await readEvents((await app.request("/events")).body!, 2);
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
    let again = await app.request("/events");
    for (let i = 0; again.status === 503 && i < 30; i++) {
      await Bun.sleep(100);
      again = await app.request("/events");
    }
    expect(again.status).toBe(200);
    await Promise.all([again, ...open.slice(1)].map((r) => r.body!.cancel()));
  });
});

async function firstSample(): Promise<Sample> {
  const app = createAdminApp(fakeAdminDeps());
  const [, event] = await readEvents((await app.request("/events")).body!, 2);
  return SampleSchema.parse(JSON.parse(event!.data));
}
