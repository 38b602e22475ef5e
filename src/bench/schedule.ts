/**
 * Open-loop pacing for `--rate N` (N messages per second over all
 * connections), as wrk2 does it: message k of connection j is *intended* at
 * `start + j * period / connections + k * period`, where `period` is each
 * connection's share (connections / N seconds). A message is sent as soon as
 * it is due and the connection may have another outstanding; its latency is
 * counted from the intended time, not the actual send, so a server that
 * stalls is charged for every message that should have gone out meanwhile
 * (coordinated omission corrected). Without --rate the intended time is the
 * actual send time (closed loop).
 */
export class RateSchedule {
  readonly periodMs: number;
  private readonly firstMs: number;

  constructor(startMs: number, ratePerSecond: number, connections: number, connection: number) {
    this.periodMs = (1000 * connections) / ratePerSecond;
    // Connections are staggered evenly so the total rate is smooth, not bursts of `connections` at once.
    this.firstMs = startMs + (connection * this.periodMs) / connections;
  }

  /** When message `k` (from 0) should go out. */
  intendedMs(k: number): number {
    return this.firstMs + k * this.periodMs;
  }

  /** How many messages should have gone out by `nowMs`. */
  dueBy(nowMs: number): number {
    if (nowMs < this.firstMs) return 0;
    return Math.floor((nowMs - this.firstMs) / this.periodMs) + 1;
  }

  /** Milliseconds from `nowMs` until message `k` is due (0 if already). */
  waitMs(k: number, nowMs: number): number {
    return Math.max(0, this.intendedMs(k) - nowMs);
  }
}
