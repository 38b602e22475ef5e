/** What the main thread tells each bench worker to do. */
import type { ClientParams } from "../client-queue.ts";
import type { MeterPlan } from "./meter.ts";

export interface LoopPlan {
  worker: number;
  workers: number;
  /** Connections of the whole run; this worker owns those with index % workers === worker. */
  connections: number;
  mode: "pingpong" | "stream";
  size: number;
  pipeline: number;
  /** Messages per second over all connections; 0: closed loop. */
  rate: number;
  connectTimeoutMs: number;
  /** --udp: datagram sockets (udp-loop.ts) instead of TCP connections. */
  udp: boolean;
  /** With --udp: a datagram not echoed within this long is lost. */
  lossTimeoutMs: number;
}

/** Connections worker `worker` of `workers` owns out of `connections`. */
export function connectionsOf(worker: number, workers: number, connections: number): number {
  return Math.floor(connections / workers) + (worker < connections % workers ? 1 : 0);
}

/** Main thread to bench worker: open the queue (answered by "ready"), then "go" when every worker is ready. */
export type BenchWorkerCommand =
  | { type: "open"; loop: LoopPlan; engine: ClientParams }
  | {
      type: "go";
      meter: MeterPlan;
      /** One Int32 the main thread sets to 1 to end the run early (Ctrl-C). */
      stop: SharedArrayBuffer;
    };
