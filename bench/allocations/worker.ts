/**
 * The real completion loop on the real io_uring queue, as src/worker.ts runs
 * it, with one addition: `wait` is wrapped to take JavaScriptCore heap
 * statistics at two points of the run, so the main thread can tell how many
 * objects the loop allocates per message. With `control`, the wrapper also
 * allocates one object per completion: the positive control that shows the
 * window can see allocations at all.
 */
import { heapStats } from "bun:jsc";
import { ConnTable } from "../../src/conn-table.ts";
import { OpKind, type CompletionBatch } from "../../src/engine.ts";
import { openWorkerQueue } from "../../src/ffi/backends.ts";
import { CompletionLoop } from "../../src/loop.ts";
import { SlotPool } from "../../src/slot-pool.ts";
import { StatsLayout, StatsWriter } from "../../src/stats.ts";
import type { WorkerStart } from "../../src/worker-protocol.ts";

export interface AllocationStart extends WorkerStart {
  /** Echoed messages (send completions) before the window opens, and in it. */
  warmup: number;
  window: number;
  control: boolean;
}

export interface Sample {
  sends: number;
  heapBytes: number;
  types: Record<string, number>;
}

export type AllocationReport =
  | { type: "ready"; handle: number }
  | { type: "done"; before: Sample; after: Sample }
  | { type: "failed"; message: string };

declare const self: Worker;
const report = (m: AllocationReport) => self.postMessage(m);

function sample(sends: number): Sample {
  const s = heapStats();
  return { sends, heapBytes: s.heapSize, types: { ...s.objectTypeCounts } };
}

self.onmessage = async (event: MessageEvent<AllocationStart>) => {
  const start = event.data;
  try {
    const queue = await openWorkerQueue(start.params, 0, 1);
    const layout = new StatsLayout(start.stats, 1);
    report({ type: "ready", handle: queue.handle });
    const wait = queue.wait.bind(queue);
    let sends = 0;
    let before: Sample | null = null;
    let after: Sample | null = null;
    const keep: object[] = [null as unknown as object];
    queue.wait = (batch: CompletionBatch) => {
      wait(batch);
      for (let i = 0; i < batch.count; i++) {
        if (batch.op[i] === OpKind.Send) sends++;
        if (start.control) keep[0] = { i };
      }
      if (before === null && sends >= start.warmup) {
        Bun.gc(true); // the window opens on a clean heap
        before = sample(sends);
      } else if (before !== null && after === null && sends >= start.warmup + start.window) {
        after = sample(sends);
        report({ type: "done", before, after });
      }
    };
    const table = new ConnTable(start.loop.slots);
    const pool = new SlotPool(start.loop.slots);
    new CompletionLoop(queue, layout, new StatsWriter(layout, 0), start.loop, table, pool).run();
    queue.dispose();
    if (after === null) report({ type: "failed", message: `only ${sends} sends; the window never closed` });
  } catch (error) {
    report({ type: "failed", message: (error as Error).stack ?? String(error) });
  }
};
