/** Messages between the main thread and a completion-loop worker. */
import type { WorkerParams } from "./worker-params.ts";
import type { LoopOptions } from "./loop.ts";

export interface WorkerStart {
  type: "start";
  index: number;
  workers: number;
  params: WorkerParams;
  stats: SharedArrayBuffer;
  /** The connection table and slot pool all workers share, or null for private ones. */
  shared: { table: SharedArrayBuffer; pool: SharedArrayBuffer } | null;
  loop: LoopOptions;
}

export type WorkerReport =
  | { type: "ready"; handle: number; threadId: number }
  | { type: "exited" }
  | { type: "failed"; message: string; stack: string };
