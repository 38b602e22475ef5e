/**
 * One worker's measurements: what it counts while its connections connect
 * and the run warms up, while it is measured (cut into --interval reports
 * posted as each interval ends) and while it drains at the end. Times are
 * this thread's performance.now() milliseconds; the measured span's
 * wall-clock boundaries are converted once (`begin`), so every worker cuts
 * its intervals at the same moments.
 */
import { emptyCounts } from "./aggregate.ts";
import type { ErrorKind } from "./errors.ts";
import { type BenchHistogram, countsOf, LatencyRecorder, newHistogram, recordUs } from "./histogram.ts";
import type { BenchWorkerReport, JitterSum, UdpTotals } from "./protocol.ts";

export interface MeterPlan {
  worker: number;
  intervalMs: number;
}

/** Date.now() when measuring starts (after the warmup) and ends. */
export interface MeasuredSpan {
  fromEpochMs: number;
  untilEpochMs: number;
}

/** Closer than this, two moments are one (the rounding of a millisecond count). */
const SAME_MOMENT_MS = 1e-3;

/** This thread's CPU time (user + system) in µs, or null where the runtime cannot read it. */
export function threadCpuUs(): number | null {
  try {
    const u = process.threadCpuUsage();
    return u.user + u.system;
  } catch {
    return null;
  }
}

export class Meter {
  /** When measuring starts; not known (+Infinity) until `begin`. */
  private fromMs = Number.POSITIVE_INFINITY;
  /** When measuring ends; earlier than planned once the run is told to stop. */
  untilMs = Number.POSITIVE_INFINITY;
  private readonly intervalMs: number;
  private interval = 0;
  private intervalStartMs = Number.POSITIVE_INFINITY;
  private counts = emptyCounts();
  private readonly latency = new LatencyRecorder();
  /** The thread's CPU clock when the interval under way began; null before measuring (or with no clock). */
  private cpuMarkUs: number | null = null;
  private cpuStarted = false;
  /** The earliest moment `tick` has work: measuring begins, or an interval ends. */
  private dueMs = Number.POSITIVE_INFINITY;
  private readonly connect: BenchHistogram = newHistogram();
  readonly unmeasured = emptyCounts();
  attempted = 0;
  established = 0;
  sentBytes = 0;
  receivedBytes = 0;
  sentMessages = 0;
  /** Set by a UDP loop before `finish`. */
  udp: UdpTotals | null = null;
  /** Set by a UDP loop: its sockets' jitter now, sampled as each interval ends. */
  jitter: (() => JitterSum) | null = null;

  constructor(
    private readonly plan: MeterPlan,
    private readonly post: (report: BenchWorkerReport) => void,
    /** This thread's CPU clock in µs (threadCpuUs; a fake in tests). */
    private readonly cpuClock: () => number | null = threadCpuUs,
  ) {
    this.intervalMs = plan.intervalMs;
  }

  /** The measured span is known: `span` in wall-clock time, read at `nowMs` (performance.now()) and `epochNowMs` (Date.now()). */
  begin(span: MeasuredSpan, nowMs: number, epochNowMs: number): void {
    this.span(nowMs + (span.fromEpochMs - epochNowMs), nowMs + (span.untilEpochMs - epochNowMs));
  }

  /** Whether the measured span is known (`begin`, or a stop before it): until then `fromMs` is +Infinity. */
  get begun(): boolean {
    return this.fromMs !== Number.POSITIVE_INFINITY;
  }

  private span(fromMs: number, untilMs: number): void {
    this.fromMs = fromMs;
    this.untilMs = untilMs;
    this.intervalStartMs = fromMs;
    this.dueMs = fromMs;
  }

  /** This worker's last connect has completed (connected or failed): said once, to the main thread. */
  settled(): void {
    this.post({ type: "settled", worker: this.plan.worker });
  }

  measuring(nowMs: number): boolean {
    return nowMs >= this.fromMs && nowMs < this.untilMs;
  }

  /**
   * `count` messages echoed whole, `latencyMs` after they were (meant to be)
   * sent. The warmup counts and records them as the measured time does, and
   * `tick` drops what it gathered as measuring begins: so the warmup runs
   * the code the measured seconds run, and JSC has compiled it before they
   * start. (Returning early here during the warmup left the recording path
   * unrun until the first measured message, which then sent the loop back
   * to be compiled again, on the client's core, inside the measured time.)
   */
  messages(count: number, latencyMs: number, nowMs: number): void {
    if (nowMs >= this.untilMs) return;
    this.counts.messages += count;
    this.latency.record(latencyMs * 1000, count);
  }

  /** Verified bytes echoed back; the warmup's are counted as `messages` says. */
  bytes(count: number, nowMs: number): void {
    this.receivedBytes += count;
    if (nowMs < this.untilMs) this.counts.bytes += count;
  }

  error(kind: ErrorKind, nowMs: number): void {
    (this.measuring(nowMs) ? this.counts : this.unmeasured).errors[kind]++;
  }

  connected(elapsedMs: number): void {
    this.established++;
    recordUs(this.connect, elapsedMs * 1000);
  }

  /**
   * Ends the measured time at `nowMs` (a stop request): the interval under
   * way is reported short. Before `begin` nothing is measured.
   */
  stopAt(nowMs: number): void {
    if (!this.begun) {
      this.span(nowMs, nowMs);
      return;
    }
    this.untilMs = Math.min(this.untilMs, Math.max(nowMs, this.fromMs));
    if (this.cpuStarted) this.dueMs = this.nextDueMs();
  }

  /**
   * The next moment `tick` has something to post. Boundaries are counted from
   * the start rather than summed, and one within a microsecond of the end is
   * the end: `fromMs` and `untilMs` are rounded separately, so the planned last
   * boundary can fall an ulp short of `untilMs` and would leave an empty
   * interval behind (seen as a third progress line on a 1 s run of 0.5 s).
   */
  nextBoundaryMs(): number {
    const planned = this.fromMs + (this.interval + 1) * this.intervalMs;
    return this.untilMs - planned < SAME_MOMENT_MS ? this.untilMs : planned;
  }

  /**
   * Posts every interval that has ended by `nowMs`. The loop calls this on
   * every turn, so it is one comparison, and the work it finds about once a
   * second is a method of its own: with that work inlined, JSC compiled
   * this method with FTL for 46 ms on the client's core, seconds into the
   * measured time.
   */
  tick(nowMs: number, open: number): void {
    if (nowMs >= this.dueMs) this.due(nowMs, open);
  }

  private nextDueMs(): number {
    return this.intervalStartMs < this.untilMs ? this.nextBoundaryMs() : Number.POSITIVE_INFINITY;
  }

  private due(nowMs: number, open: number): void {
    if (!this.cpuStarted && nowMs >= this.fromMs) {
      this.cpuStarted = true;
      this.cpuMarkUs = this.cpuClock();
      // What the warmup counted (see `messages`). Its errors went to `unmeasured`: those
      // here came at or after `fromMs` (a connect failing at once with no warmup) and stay.
      this.counts.messages = 0;
      this.counts.bytes = 0;
      this.latency.reset();
    }
    while (this.intervalStartMs < this.untilMs && nowMs >= this.nextBoundaryMs()) {
      const endMs = this.nextBoundaryMs();
      const cpuNowUs = this.cpuMarkUs === null ? null : this.cpuClock();
      this.post({
        type: "interval",
        worker: this.plan.worker,
        index: this.interval++,
        elapsedMs: endMs - this.intervalStartMs,
        counts: this.counts,
        open,
        latency: countsOf(this.latency.settled()),
        jitter: this.jitter === null ? null : this.jitter(),
        cpuUs: cpuNowUs === null || this.cpuMarkUs === null ? null : cpuNowUs - this.cpuMarkUs,
      });
      this.cpuMarkUs = cpuNowUs;
      this.latency.reset();
      this.counts = emptyCounts();
      this.intervalStartMs = endMs;
    }
    this.dueMs = this.nextDueMs();
  }

  /** Every interval posted. */
  get measured(): boolean {
    return this.intervalStartMs >= this.untilMs;
  }

  finish(): void {
    this.post({
      type: "done",
      worker: this.plan.worker,
      attempted: this.attempted,
      established: this.established,
      connect: countsOf(this.connect),
      sentBytes: this.sentBytes,
      receivedBytes: this.receivedBytes,
      sentMessages: this.sentMessages,
      unmeasured: this.unmeasured,
      udp: this.udp,
    });
    this.latency.destroy();
    this.connect.destroy();
  }
}
