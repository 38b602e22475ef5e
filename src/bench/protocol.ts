/** What a bench worker reports to the main thread (structured-cloneable). */
import type { ErrorKind } from "./errors.ts";

/** Counters over a span of the run; sums of these are the report's totals. */
export interface Counts {
  /** Messages (units of --size) echoed back whole and verified. */
  messages: number;
  /** Payload bytes echoed back and verified. */
  bytes: number;
  errors: Record<ErrorKind, number>;
}

/** One worker's figures for one --interval of the measured run. */
export interface IntervalReport {
  type: "interval";
  worker: number;
  /** 0 for the first interval after the warmup. */
  index: number;
  /** Wall-clock length of the interval in ms (the last one may be short). */
  elapsedMs: number;
  counts: Counts;
  /** Connections open at the end of the interval. */
  open: number;
  /** Latencies in µs, as countsOf (histogram.ts): (index, count) pairs. */
  latency: Float64Array;
  /** With --udp: the sockets' RFC 3550 jitter at the end of the interval, summed (µs), and how many had one. */
  jitter: JitterSum | null;
  /**
   * The worker thread's CPU time (user + system, µs) over the interval, by
   * the thread's clock as the loop saw the interval end; null where the
   * runtime cannot read a thread's clock.
   */
  cpuUs: number | null;
}

export interface JitterSum {
  sumUs: number;
  sockets: number;
}

/** A worker's UDP datagram counts over the whole run (warmup and drain included), with --udp. */
export interface UdpTotals {
  sent: number;
  /** Echoed on time, verified, counted once. */
  received: number;
  lost: number;
  /** Of the lost, those whose echo came after all. */
  late: number;
  duplicate: number;
  reordered: number;
  /** Echoes that were wrong (corrupt, cut, too long, another socket's). */
  wrong: number;
  /** The sum over sockets of their final RFC 3550 jitter (µs), and how many sockets had one. */
  jitterSumUs: number;
  jitterSockets: number;
  maxJitterUs: number;
}

/** One worker's figures for the whole run, sent once as it leaves. */
export interface DoneReport {
  type: "done";
  worker: number;
  attempted: number;
  established: number;
  /** Connect times in µs, as countsOf. */
  connect: Float64Array;
  /** Everything sent and echoed, warmup included: what the server's counters saw. */
  sentBytes: number;
  receivedBytes: number;
  sentMessages: number;
  /** Errors during the warmup and the final drain, which no interval holds. */
  unmeasured: Counts;
  /** With --udp; null otherwise. */
  udp: UdpTotals | null;
}

export type BenchWorkerReport =
  | { type: "ready"; worker: number }
  /** Every connect of the worker has completed, connected or failed (Meter.settled). */
  | { type: "settled"; worker: number }
  | IntervalReport
  | DoneReport
  | { type: "failed"; worker: number; message: string; stack: string };
