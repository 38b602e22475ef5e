/**
 * Worker entry: open this thread's queue, report ready, run the completion
 * loop until the exit key, free the queue, report exited. The loop blocks
 * this thread in the kernel; the main thread reaches it only through
 * completions (the exit key), never through messages.
 */
import { ConnTable } from "./conn-table.ts";
import { openWorkerQueue } from "./ffi/backends.ts";
import { FAULT_VARIABLE, withInjectedFault } from "./fault.ts";
import { CompletionLoop } from "./loop.ts";
import { SlotPool } from "./slot-pool.ts";
import { StatsLayout, StatsWriter } from "./stats.ts";
import type { WorkerReport, WorkerStart } from "./worker-protocol.ts";

declare const self: Worker;
const report = (message: WorkerReport) => self.postMessage(message);

self.onmessage = async (event: MessageEvent<WorkerStart>) => {
  const start = event.data;
  try {
    const opened = await openWorkerQueue(start.params, start.index, start.workers);
    const queue = withInjectedFault(opened, process.env[FAULT_VARIABLE], start.index);
    const layout = new StatsLayout(start.stats, start.workers);
    report({ type: "ready", handle: queue.handle, threadId: queue.threadId });
    const { slots } = start.loop;
    const table = start.shared ? new ConnTable(slots, start.shared.table) : new ConnTable(slots);
    const pool = start.shared ? new SlotPool(slots, start.shared.pool, false) : new SlotPool(slots);
    new CompletionLoop(queue, layout, new StatsWriter(layout, start.index), start.loop, table, pool).run();
    queue.dispose();
    report({ type: "exited" });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    report({ type: "failed", message: e.message, stack: e.stack ?? e.message });
  }
};
