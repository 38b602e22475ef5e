/**
 * The TCP bench loop's own per-connection state (state, generation and
 * busy bits are BenchLoop's, as both loops have them), as struct-of-arrays
 * so the hot path allocates nothing, plus each connection's queue of messages in
 * flight: (intended send time, message count) entries in send order. Echoes
 * come back in order, so the head entry is always the next to complete.
 */
import { StreamVerifier } from "./verifier.ts";

/** Why a connect still pending was aborted: it took longer than --connect-timeout, or the run ended first. */
export const GaveUp = { No: 0, TimedOut: 1, RunEnded: 2 } as const;

export class ClientSlots {
  /** A GaveUp value per slot. */
  readonly gaveUp: Uint8Array;
  /** Messages committed to be sent so far. */
  readonly committed: Float64Array;
  /** Messages echoed back whole. */
  readonly doneMessages: Float64Array;
  /** Stream bytes committed but not yet handed to a send. */
  readonly backlog: Float64Array;
  /** The send in flight: where its next byte is in the queue's memory (in the pattern), and bytes left. */
  readonly sendFrom: Float64Array;
  readonly sendLeft: Uint32Array;
  readonly verifiers: StreamVerifier[];
  private readonly fifoTime: Float64Array;
  private readonly fifoCount: Uint32Array;
  private readonly fifoHead: Uint32Array;
  readonly fifoLength: Uint32Array;
  /** Messages of the head entry already complete. */
  private readonly headDone: Uint32Array;

  constructor(
    readonly slots: number,
    readonly fifoCapacity: number,
    streamOf: (slot: number) => number,
  ) {
    this.gaveUp = new Uint8Array(slots);
    this.committed = new Float64Array(slots);
    this.doneMessages = new Float64Array(slots);
    this.backlog = new Float64Array(slots);
    this.sendFrom = new Float64Array(slots);
    this.sendLeft = new Uint32Array(slots);
    this.verifiers = Array.from({ length: slots }, (_, s) => new StreamVerifier(streamOf(s)));
    this.fifoTime = new Float64Array(slots * fifoCapacity);
    this.fifoCount = new Uint32Array(slots * fifoCapacity);
    this.fifoHead = new Uint32Array(slots);
    this.fifoLength = new Uint32Array(slots);
    this.headDone = new Uint32Array(slots);
  }

  fifoFull(slot: number): boolean {
    return this.fifoLength[slot]! >= this.fifoCapacity;
  }

  /** `count` messages committed at (or meant for) `timeMs`. */
  push(slot: number, timeMs: number, count: number): void {
    const cap = this.fifoCapacity;
    const at = this.fifoHead[slot]! + this.fifoLength[slot]!;
    const i = slot * cap + (at < cap ? at : at - cap);
    this.fifoTime[i] = timeMs;
    this.fifoCount[i] = count;
    this.fifoLength[slot]!++;
  }

  /**
   * Takes up to `count` completed messages from the head, calling `done`
   * once per entry touched with how many of its messages completed and when
   * they were meant to go; returns how many were taken.
   */
  complete(slot: number, count: number, done: (messages: number, timeMs: number) => void): number {
    const cap = this.fifoCapacity;
    let left = count;
    while (left > 0 && this.fifoLength[slot]! > 0) {
      const i = slot * cap + this.fifoHead[slot]!;
      const take = Math.min(left, this.fifoCount[i]! - this.headDone[slot]!);
      done(take, this.fifoTime[i]!);
      left -= take;
      this.headDone[slot]! += take;
      if (this.headDone[slot] === this.fifoCount[i]) {
        this.headDone[slot] = 0;
        const next = this.fifoHead[slot]! + 1;
        this.fifoHead[slot] = next < cap ? next : 0;
        this.fifoLength[slot]!--;
      }
    }
    return count - left;
  }
}
