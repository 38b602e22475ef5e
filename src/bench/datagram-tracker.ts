/**
 * One UDP socket's sequence accounting for `bench --udp`, pure (no socket,
 * no clock of its own): which datagrams are out, which came back, which are
 * lost, and the RFC 3550 jitter of their round trips.
 *
 * The rules, which the report's figures follow:
 * - A datagram is out from its send until its echo, or until `lossTimeoutMs`
 *   passes without one: then it is lost, once and for good.
 * - An echo of a datagram that is out is received (on time); its round trip
 *   feeds the jitter, and its latency is counted from when it was meant to
 *   go (--rate's schedule; without one, its send). It is reordered when a
 *   datagram sent after it came back first.
 * - An echo of a datagram already lost is late: it stays lost (sent =
 *   received + lost always holds at the end) and is counted apart.
 * - A second echo of a datagram is a duplicate, whatever became of the first.
 * - An echo whose sequence number was never sent is not a datagram of ours
 *   (the caller reports it as corrupt).
 *
 * Sequence states live in a ring of `history` entries indexed by the low
 * bits of the sequence number. A datagram is sent only while the oldest one
 * out is less than `history` behind, so every datagram out, and at least the
 * `history` - `window` before it, keep their state; an echo older than that
 * is counted as late (it is long past its timeout).
 *
 * Jitter is RFC 3550 section 6.4.1's estimator as iperf3 applies it, on the
 * round trip of each on-time echo in arrival order: D = this round trip
 * minus the previous one, J += (|D| - J) / 16.
 */
import type { JitterSum, UdpTotals } from "./protocol.ts";

export const Echo = { OnTime: 0, Late: 1, Duplicate: 2, Unknown: 3 } as const;
export type EchoOutcome = (typeof Echo)[keyof typeof Echo];

const State = { Free: 0, Out: 1, Answered: 2, Lost: 3, LateAnswered: 4 } as const;

/** The ring's length for a window: a power of two, at least 64 and 8 windows. */
export function historyFor(window: number): number {
  let h = 64;
  while (h < 8 * window) h *= 2;
  return h;
}

export class DatagramTracker {
  /** The next sequence number to send; also the number sent. */
  next = 0;
  /** The lowest sequence number that may still be out. */
  private oldest = 0;
  outstanding = 0;
  received = 0;
  lost = 0;
  late = 0;
  duplicate = 0;
  reordered = 0;
  /** RFC 3550 jitter of the round trips, in ms. */
  jitterMs = 0;
  /** The latency of the last on-time echo, ms: from when it was meant to go. */
  latencyMs = 0;
  /** When the last datagram was sent. */
  lastSentMs = Number.NEGATIVE_INFINITY;
  private highestOnTime = -1;
  private previousRoundTripMs = Number.NaN;
  private jitterSamples = 0;
  private readonly mask: number;
  private readonly state: Uint8Array;
  private readonly sentMs: Float64Array;
  private readonly intendedMs: Float64Array;

  constructor(
    /** Datagrams out at once (--pipeline). */
    readonly window: number,
    readonly history = historyFor(window),
  ) {
    if ((history & (history - 1)) !== 0 || history < 2 * window)
      throw new RangeError(`history ${history} must be a power of two of at least twice the window ${window}`);
    this.mask = history - 1;
    this.state = new Uint8Array(history);
    this.sentMs = new Float64Array(history);
    this.intendedMs = new Float64Array(history);
  }

  get sent(): number {
    return this.next;
  }

  /** Whether one more datagram may go now. */
  canSend(): boolean {
    return this.outstanding < this.window && this.next - this.oldest < this.history;
  }

  /** Records a send at `nowMs`, meant for `intendedMs` (open loop); returns its sequence number. */
  send(nowMs: number, intendedMs = nowMs): number {
    const seq = this.next++;
    this.state[seq & this.mask] = State.Out;
    this.sentMs[seq & this.mask] = nowMs;
    this.intendedMs[seq & this.mask] = intendedMs;
    this.outstanding++;
    this.lastSentMs = nowMs;
    return seq;
  }

  /**
   * Classifies the echo of `seq` arriving at `nowMs` and counts it;
   * `latencyMs` is set for an on-time one. `jitter` false leaves the jitter
   * out of it (warmup and drain: the report's jitter is the measured time's).
   */
  echo(seq: number, nowMs: number, jitter = true): EchoOutcome {
    if (!Number.isSafeInteger(seq) || seq >= this.next) return Echo.Unknown;
    if (seq < this.next - this.history) {
      this.late++;
      return Echo.Late;
    }
    const i = seq & this.mask;
    switch (this.state[i]) {
      case State.Out:
        this.state[i] = State.Answered;
        this.outstanding--;
        this.received++;
        this.latencyMs = nowMs - this.intendedMs[i]!;
        this.onTime(seq, jitter ? nowMs - this.sentMs[i]! : Number.NaN);
        this.advance();
        return Echo.OnTime;
      case State.Lost:
        this.state[i] = State.LateAnswered;
        this.late++;
        return Echo.Late;
      default:
        this.duplicate++;
        return Echo.Duplicate;
    }
  }

  /**
   * A wrong echo that says it is `seq`: a datagram out by that number is
   * settled (it came back, if damaged), so it is not also counted lost.
   */
  settle(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq >= this.next || seq < this.next - this.history) return;
    const i = seq & this.mask;
    if (this.state[i] !== State.Out) return;
    this.state[i] = State.Answered;
    this.outstanding--;
    this.advance();
  }

  /** Declares lost every datagram out for `timeoutMs` or longer at `nowMs`; returns how many. */
  expire(nowMs: number, timeoutMs: number): number {
    let lost = 0;
    for (let seq = this.oldest; seq < this.next; seq++) {
      const i = seq & this.mask;
      if (this.state[i] !== State.Out) continue;
      // Sent in order with one timeout: the first still in time ends the scan.
      if (nowMs - this.sentMs[i]! < timeoutMs) break;
      this.state[i] = State.Lost;
      this.outstanding--;
      lost++;
    }
    this.lost += lost;
    this.advance();
    return lost;
  }

  /** When the oldest datagram out will be lost; Infinity when none is out. */
  nextLossMs(timeoutMs: number): number {
    return this.outstanding === 0 ? Number.POSITIVE_INFINITY : this.sentMs[this.oldest & this.mask]! + timeoutMs;
  }

  private onTime(seq: number, roundTripMs: number): void {
    if (seq < this.highestOnTime) this.reordered++;
    else this.highestOnTime = seq;
    const d = roundTripMs - this.previousRoundTripMs;
    if (!Number.isNaN(d)) {
      this.jitterMs += (Math.abs(d) - this.jitterMs) / 16;
      this.jitterSamples++;
    }
    if (!Number.isNaN(roundTripMs)) this.previousRoundTripMs = roundTripMs;
  }

  /** Moves `oldest` past every datagram no longer out. */
  private advance(): void {
    while (this.oldest < this.next && this.state[this.oldest & this.mask] !== State.Out) this.oldest++;
  }

  /** Whether at least two on-time echoes in a row fed the jitter. */
  get hasJitter(): boolean {
    return this.jitterSamples > 0;
  }
}

/** The jitter of a worker's sockets now, for an interval's report. */
export function jitterSum(trackers: DatagramTracker[]): JitterSum {
  let sumUs = 0;
  let sockets = 0;
  for (const t of trackers) {
    if (!t.hasJitter) continue;
    sumUs += t.jitterMs * 1000;
    sockets++;
  }
  return { sumUs, sockets };
}

/** The totals of a worker's sockets, as its done report carries them; `wrong` is counted by the loop. */
export function udpTotals(trackers: DatagramTracker[], wrong: number): UdpTotals {
  const u: UdpTotals = {
    sent: 0,
    received: 0,
    lost: 0,
    late: 0,
    duplicate: 0,
    reordered: 0,
    wrong,
    jitterSumUs: 0,
    jitterSockets: 0,
    maxJitterUs: 0,
  };
  for (const t of trackers) {
    u.sent += t.sent;
    u.received += t.received;
    u.lost += t.lost;
    u.late += t.late;
    u.duplicate += t.duplicate;
    u.reordered += t.reordered;
    if (!t.hasJitter) continue;
    const us = t.jitterMs * 1000;
    u.jitterSumUs += us;
    u.jitterSockets++;
    u.maxJitterUs = Math.max(u.maxJitterUs, us);
  }
  return u;
}
