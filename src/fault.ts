/**
 * Fault injection, for the test suite only. A server started with
 * IOCP_ECHO_INJECT_FAULT=worker-throws has the first worker that receives
 * bytes throw from inside its completion loop, the way a bug in the loop
 * would. The tests use it to check what a crash does to the process: the
 * stack is logged, /healthz turns 503, and the process exits 1.
 *
 * Read once per worker at start; with the variable unset the queue is
 * returned untouched, so the hot path carries no check.
 */
import { OpKind, type CompletionBatch, type WorkerQueue } from "./engine.ts";

export const FAULT_VARIABLE = "IOCP_ECHO_INJECT_FAULT";
const FAULTS = ["worker-throws"] as const;

export class InjectedFault extends Error {
  override name = "InjectedFault";
}

export function withInjectedFault(queue: WorkerQueue, fault: string | undefined, index: number): WorkerQueue {
  if (fault === undefined || fault === "") return queue;
  if (!(FAULTS as readonly string[]).includes(fault)) {
    throw new Error(`${FAULT_VARIABLE}=${JSON.stringify(fault)}: unknown fault (${FAULTS.join(", ")})`);
  }
  const wait = queue.wait.bind(queue);
  queue.wait = (batch: CompletionBatch) => {
    wait(batch);
    for (let i = 0; i < batch.count; i++) {
      if (batch.op[i] === OpKind.Recv && batch.res[i]! > 0) {
        throw new InjectedFault(`worker ${index}: injected fault after receiving ${batch.res[i]} bytes`);
      }
    }
  };
  return queue;
}
