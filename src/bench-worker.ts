/**
 * Bench worker entry (beside main.ts, as compiled executables need): open
 * this thread's client queue, say ready, wait for "go", run the client
 * loop (it learns when measuring starts through RunSignals), free the
 * queue. Reports go to the main thread as they happen.
 */
import { ClientLoop } from "./bench/client-loop.ts";
import { Meter } from "./bench/meter.ts";
import { preparePattern } from "./bench/payload.ts";
import { type BenchWorkerCommand, type LoopPlan, RunSignals } from "./bench/plan.ts";
import type { BenchWorkerReport } from "./bench/protocol.ts";
import { rehearseCounts } from "./bench/rehearse.ts";
import { UdpClientLoop } from "./bench/udp-loop.ts";
import type { ClientQueue } from "./client-queue.ts";
import { openClientQueue } from "./ffi/backends.ts";

declare const self: Worker;
const report = (message: BenchWorkerReport) => self.postMessage(message);

let queue: ClientQueue | null = null;
let plan: LoopPlan | null = null;

function failed(worker: number, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  report({ type: "failed", worker, message: e.message, stack: e.stack ?? e.message });
}

self.onmessage = async (event: MessageEvent<BenchWorkerCommand>) => {
  const command = event.data;
  if (command.type === "open") {
    plan = command.loop;
    try {
      queue = await openClientQueue(command.engine);
      // Before "ready": building the payload pattern, or compiling countsOf, must not eat into the measured time.
      preparePattern();
      rehearseCounts();
      report({ type: "ready", worker: plan.worker });
    } catch (error) {
      failed(plan.worker, error);
    }
    return;
  }
  if (queue === null || plan === null) return;
  try {
    const meter = new Meter(command.meter, report);
    const signals = new RunSignals(command.signals);
    if (plan.udp) new UdpClientLoop(queue, plan, meter, signals).run();
    else new ClientLoop(queue, plan, meter, signals).run();
    queue.dispose();
  } catch (error) {
    failed(plan.worker, error);
  }
};
