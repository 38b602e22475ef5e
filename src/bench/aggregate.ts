/**
 * Gathers the workers' reports on the main thread: an interval is complete
 * once every worker has sent it (workers run on their own clocks and report
 * independently), and the run is complete once every worker is done.
 */
import { emptyErrors, ERROR_KIND_NAMES } from "./errors.ts";
import { type BenchHistogram, mergeCounts, newHistogram, percentiles, type Percentiles } from "./histogram.ts";
import type { Counts, DoneReport, IntervalReport } from "./protocol.ts";

/** One --interval over all workers: the JSON report's `intervals` entries. */
export interface IntervalSample {
  index: number;
  /** Seconds since the end of the warmup at the end of this interval. */
  endS: number;
  elapsedS: number;
  messages: number;
  bytes: number;
  messagesPerSec: number;
  mbPerSec: number;
  open: number;
  latencyUs: Percentiles;
  errors: number;
  /** With --udp (null for TCP): datagrams lost and duplicated in the interval, and the mean RFC 3550 jitter at its end. */
  udp: { lost: number; duplicate: number; jitterUs: number } | null;
  /** The busiest worker thread's CPU in the interval, in % of one core; null where threads' CPU cannot be read. */
  busiestWorkerPercent: number | null;
}

/** A worker thread's CPU time over `ms` of wall clock, in % of one core (0.1). */
function busyPercent(cpuUs: number, ms: number): number {
  return ms > 0 ? Math.round(cpuUs / ms) / 10 : 0;
}

export function emptyCounts(): Counts {
  return { messages: 0, bytes: 0, errors: emptyErrors() };
}

export function addCounts(into: Counts, from: Counts): void {
  into.messages += from.messages;
  into.bytes += from.bytes;
  for (const k of ERROR_KIND_NAMES) into.errors[k] += from.errors[k];
}

export function errorTotal(counts: Counts): number {
  return ERROR_KIND_NAMES.reduce((sum, k) => sum + counts.errors[k], 0);
}

function udpSample(reports: IntervalReport[], counts: Counts): IntervalSample["udp"] {
  const jitters = reports.map((r) => r.jitter).filter((j) => j !== null);
  if (jitters.length === 0) return null;
  const sockets = jitters.reduce((n, j) => n + j.sockets, 0);
  const sumUs = jitters.reduce((n, j) => n + j.sumUs, 0);
  return {
    lost: counts.errors.lost,
    duplicate: counts.errors.duplicate,
    jitterUs: sockets > 0 ? Math.round((10 * sumUs) / sockets) / 10 : 0,
  };
}

interface Pending {
  reports: IntervalReport[];
  histogram: BenchHistogram;
}

export class Aggregator {
  readonly measured = emptyCounts();
  readonly latency = newHistogram();
  readonly connect = newHistogram();
  readonly intervals: IntervalSample[] = [];
  readonly done: DoneReport[] = [];
  private readonly pending = new Map<number, Pending>();
  private measuredMs = 0;
  /** Per worker, its thread's CPU µs and the wall-clock ms they were spent in, over the measured intervals; null once a worker could not say. */
  private workerCpu: { us: number; ms: number }[] | null;

  constructor(private readonly workers: number) {
    this.workerCpu = Array.from({ length: workers }, () => ({ us: 0, ms: 0 }));
  }

  /** Adds one worker's interval; returns the interval's sample when it was the last one missing. */
  addInterval(report: IntervalReport): IntervalSample | null {
    let p = this.pending.get(report.index);
    if (!p) {
      p = { reports: [], histogram: newHistogram() };
      this.pending.set(report.index, p);
    }
    p.reports.push(report);
    mergeCounts(p.histogram, report.latency);
    if (p.reports.length < this.workers) return null;
    this.pending.delete(report.index);
    return this.complete(report.index, p);
  }

  private complete(index: number, p: Pending): IntervalSample {
    const counts = emptyCounts();
    for (const r of p.reports) addCounts(counts, r.counts);
    addCounts(this.measured, counts);
    this.latency.add(p.histogram);
    // Workers' clocks agree to a millisecond or so; the longest span is the interval's.
    const elapsedMs = Math.max(...p.reports.map((r) => r.elapsedMs));
    this.measuredMs += elapsedMs;
    const elapsedS = elapsedMs / 1000;
    const cpuKnown = p.reports.every((r) => r.cpuUs !== null);
    if (!cpuKnown) this.workerCpu = null;
    for (const r of p.reports) {
      const w = this.workerCpu?.[r.worker];
      if (w !== undefined) {
        w.us += r.cpuUs!;
        w.ms += r.elapsedMs;
      }
    }
    const sample: IntervalSample = {
      index,
      endS: this.measuredMs / 1000,
      elapsedS,
      messages: counts.messages,
      bytes: counts.bytes,
      // Rounded as the report's totals are: 0.1 message/s, 1 kB/s.
      messagesPerSec: elapsedS > 0 ? Math.round((10 * counts.messages) / elapsedS) / 10 : 0,
      mbPerSec: elapsedS > 0 ? Math.round(counts.bytes / 1e3 / elapsedS) / 1e3 : 0,
      open: p.reports.reduce((sum, r) => sum + r.open, 0),
      latencyUs: percentiles(p.histogram),
      errors: errorTotal(counts),
      udp: udpSample(p.reports, counts),
      busiestWorkerPercent: cpuKnown ? Math.max(...p.reports.map((r) => busyPercent(r.cpuUs!, r.elapsedMs))) : null,
    };
    p.histogram.destroy();
    this.intervals.push(sample);
    return sample;
  }

  addDone(report: DoneReport): void {
    this.done.push(report);
    mergeCounts(this.connect, report.connect);
  }

  get allDone(): boolean {
    return this.done.length === this.workers;
  }

  /** Measured seconds: the sum of the completed intervals. */
  get measuredS(): number {
    return this.measuredMs / 1000;
  }

  /**
   * How busy the worker threads were over the measured time, in % of one
   * core: the busiest and the mean; null when a thread's CPU could not be
   * read or nothing was measured.
   */
  workersBusy(): { busiest: number; mean: number } | null {
    const known = this.workerCpu?.filter((w) => w.ms > 0);
    if (!known || known.length === 0) return null;
    const each = known.map((w) => busyPercent(w.us, w.ms));
    return { busiest: Math.max(...each), mean: Math.round((10 * each.reduce((a, b) => a + b, 0)) / each.length) / 10 };
  }

  /** Errors of the whole run: measured intervals plus warmup and drain. */
  allErrors(): Counts["errors"] {
    const all = emptyCounts();
    addCounts(all, this.measured);
    for (const d of this.done) addCounts(all, d.unmeasured);
    return all.errors;
  }
}
