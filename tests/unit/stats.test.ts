import { describe, expect, test } from "bun:test";
import { Field, snapshot, StatsLayout, StatsWriter, ThreadState, threadInfo } from "../../src/stats.ts";

describe("stats", () => {
  test("a snapshot sums the published rows of every worker", () => {
    const layout = StatsLayout.create(2);
    const a = new StatsWriter(layout, 0);
    const b = new StatsWriter(layout, 1);
    a.local[Field.Accepted] = 3;
    a.local[Field.BytesReceived] = 1000;
    b.local[Field.Accepted] = 2;
    b.local[Field.BytesSent] = 2 ** 40; // beyond 32 bits
    a.local[Field.Completions] = 10;
    a.local[Field.Dequeues] = 4;
    a.local[Field.KernelWaits] = 3;
    b.local[Field.KernelWaits] = 1;
    b.local[Field.InlineCompletions] = 7;
    a.publish();
    b.publish();
    const s = snapshot(layout, "io_uring", 1000, 3500);
    expect(s.uptimeSeconds).toBe(2.5);
    expect(s.connections.accepted).toBe(5);
    expect(s.bytes).toEqual({ received: 1000, sent: 2 ** 40 });
    expect(s.loop.completionsPerDequeue).toBe(2.5);
    expect(s.loop.kernelWaits).toBe(4);
    expect(s.loop.inlineCompletions).toBe(7);
  });

  test("unpublished counts are not visible", () => {
    const layout = StatsLayout.create(1);
    const w = new StatsWriter(layout, 0);
    w.local[Field.Accepted] = 9;
    expect(snapshot(layout, "x", 0, 0).connections.accepted).toBe(0);
    w.publish();
    expect(snapshot(layout, "x", 0, 0).connections.accepted).toBe(9);
  });

  test("the connection limit is process-wide and tracks the peak", () => {
    const layout = StatsLayout.create(2);
    const a = new StatsWriter(layout, 0);
    const b = new StatsWriter(layout, 1);
    expect(a.tryOpenConnection(2)).toBe(true);
    expect(b.tryOpenConnection(2)).toBe(true);
    expect(a.tryOpenConnection(2)).toBe(false);
    expect(layout.active()).toBe(2);
    b.closeConnection();
    expect(a.tryOpenConnection(2)).toBe(true);
    expect(snapshot(layout, "x", 0, 0).connections.peak).toBe(2);
  });

  test("threads report state names, ids and last activity", () => {
    const layout = StatsLayout.create(2);
    const w = new StatsWriter(layout, 1);
    w.setState(ThreadState.Waiting);
    w.local[Field.ThreadId] = 4242;
    w.local[Field.LastActivity] = Date.UTC(2026, 0, 1);
    w.publish();
    const threads = threadInfo(layout);
    expect(threads[0]!.state).toBe("starting");
    expect(threads[1]).toEqual({
      id: 1,
      threadId: 4242,
      state: "waiting",
      completions: 0,
      lastActivity: "2026-01-01T00:00:00.000Z",
    });
  });

  test("a reader never sees half a row while a writer publishes in another thread", async () => {
    const layout = StatsLayout.create(1);
    const stats = JSON.stringify(new URL("../../src/stats.ts", import.meta.url).href);
    const code = `
      const { StatsLayout, StatsWriter, Field } = await import(${stats});
      self.onmessage = (e) => {
        const w = new StatsWriter(new StatsLayout(e.data, 1), 0);
        const until = performance.now() + 300;
        let i = 0;
        while (performance.now() < until) { i++; w.local[Field.Accepted] = i; w.local[Field.Closed] = i; w.publish(); }
        postMessage("done " + i);
      };
      postMessage("listening");`;
    const url = URL.createObjectURL(new Blob([code], { type: "application/typescript" }));
    const worker = new Worker(url);
    const messages: string[] = [];
    worker.onmessage = (e: MessageEvent<string>) => messages.push(e.data);
    while (!messages.includes("listening")) await Bun.sleep(5);
    worker.postMessage(layout.buffer);
    let torn = 0;
    let changes = 0;
    let previous = 0;
    const deadline = Date.now() + 20_000;
    const done = () => messages.find((m) => m.startsWith("done "));
    for (let reads = 1; !done() && Date.now() < deadline; reads++) {
      const row = layout.readRow(0);
      if (row[Field.Accepted] !== row[Field.Closed]) torn++;
      if (row[Field.Accepted] !== previous) changes++;
      previous = row[Field.Accepted]!;
      if (reads % 1000 === 0) await Bun.sleep(0);
    }
    worker.terminate();
    const published = Number(done()?.slice(5));
    expect(published).toBeGreaterThan(0);
    expect(changes).toBeGreaterThan(10); // the reads really overlapped the writes
    expect(torn).toBe(0);
    expect(layout.readRow(0)[Field.Accepted]).toBe(published);
  });
});
