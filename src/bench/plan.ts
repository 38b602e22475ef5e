/** What the main thread tells each bench worker to do. */
import type { ClientParams } from "../client-queue.ts";
import type { MeasuredSpan, MeterPlan } from "./meter.ts";

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
      /** RunSignals' memory. */
      signals: SharedArrayBuffer;
    };

/**
 * What the main thread tells every worker while its loop runs, through
 * shared memory (a loop blocked in its queue's wait reads no messages):
 * stop now (Ctrl-C), and the measured span. The span is set once every
 * worker has said its connections have settled (each connect done or
 * failed), so --warmup counts from there, as the C load client's and
 * iperf3's clocks start once their connections are up: a run of 10,000
 * connections whose SYNs overflowed the target's accept queue took up to
 * 1.2 s to connect (the retried SYNs), and so measured its first second
 * with connections still opening, 7-17% below the C client beside it
 * (2026-12-06).
 */
export class RunSignals {
  private static readonly STOP = 0;
  private static readonly SPAN_SET = 1;
  /** Int32 words: stop, span set; then Float64s from and until at bytes 8 and 16. */
  private readonly words: Int32Array;
  private readonly times: Float64Array;

  constructor(readonly buffer = new SharedArrayBuffer(24)) {
    this.words = new Int32Array(buffer, 0, 2);
    this.times = new Float64Array(buffer, 8, 2);
  }

  stop(): void {
    Atomics.store(this.words, RunSignals.STOP, 1);
  }

  get stopped(): boolean {
    return Atomics.load(this.words, RunSignals.STOP) === 1;
  }

  /** Sets the span: the times are written before the flag that publishes them. */
  start(span: MeasuredSpan): void {
    this.times[0] = span.fromEpochMs;
    this.times[1] = span.untilEpochMs;
    Atomics.store(this.words, RunSignals.SPAN_SET, 1);
    Atomics.notify(this.words, RunSignals.SPAN_SET);
  }

  /** The span, once set. */
  get span(): MeasuredSpan | null {
    if (Atomics.load(this.words, RunSignals.SPAN_SET) === 0) return null;
    return { fromEpochMs: this.times[0]!, untilEpochMs: this.times[1]! };
  }

  /** Blocks this (worker) thread until the span is set. */
  awaitSpan(): MeasuredSpan {
    while (Atomics.load(this.words, RunSignals.SPAN_SET) === 0) Atomics.wait(this.words, RunSignals.SPAN_SET, 0);
    return this.span!;
  }
}
