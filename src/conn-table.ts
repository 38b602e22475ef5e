/**
 * The connection table: one row per slot, in typed arrays indexed by slot,
 * so the loop allocates nothing per message. On Windows every worker takes
 * completions from one port, so the table sits in a SharedArrayBuffer that
 * all workers map; one outstanding operation per connection means one worker
 * at a time touches a slot's row, and the completion port orders those
 * touches.
 *
 * The connection state machine, the one place it is written down:
 *
 *   Free --open()--> Open --beginAbort()--> Aborting --endAbort()--> Closing
 *     ^                |                                                 |
 *     +----free()------+-------------------------free()------------------+
 *
 * - open(): the worker that accepted the connection (it took the slot from
 *   the pool, so no one else can see the slot yet). Bumps the generation:
 *   completions of the slot's previous connection are stale from then on.
 * - beginAbort(): any worker (idle sweep, exit key), by a compare-and-swap
 *   from Open, so of two aborters one wins, and an aborter and the slot's own
 *   completion never both act: the completion waits in stateFor() while the
 *   slot is Aborting, the window in which the aborter makes its OS call
 *   (WorkerQueue.abort).
 * - endAbort(): the aborter that won, after its OS call.
 * - free(): the worker that handles the slot's completion and decides to
 *   close (the echo step's Close). Nothing else is outstanding then.
 *
 * Completions never change the state: the echo step reads it (Closing turns
 * any completion into Close). The step's send progress lives in `length`
 * and `sent`, which the loop records as it issues the operation.
 *
 * IOCP adds two receive sub-states per slot, parked (the pending receive is
 * a zero-byte read) and aborted (a cancelled receive closes instead of
 * parking): they live beside the backend, in src/ffi/win32/receive-parking.ts,
 * and the loop never sees them.
 */

import { ReceiveSizes } from "./receive-size.ts";

export const SlotState = {
  Free: 0,
  Open: 1,
  /** An aborter is between its compare-and-swap and the end of its OS call. */
  Aborting: 2,
  Closing: 3,
} as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

const COUNTER_WORDS = 4;
const OPEN = 0;

export class ConnTable {
  /** Coarse clock (ms) of the last completion, for the idle timeout. */
  readonly lastActive: Float64Array;
  readonly gen: Uint32Array;
  /** End of the bytes being echoed: the last recv's byte count. */
  readonly length: Uint32Array;
  /** Where the outstanding send starts; equal to length when only a recv is outstanding. */
  readonly sent: Uint32Array;
  private readonly counters: Int32Array;
  readonly state: Uint8Array;

  static bytesFor(slots: number): number {
    return ConnTable.receiveSizesAt(slots) + ReceiveSizes.bytesFor(slots);
  }

  /**
   * Where the receive-size columns (receive-size.ts) sit in `buffer`: after
   * the table's own, 8-aligned, so they are shared wherever the table is.
   */
  static receiveSizesAt(slots: number): number {
    return Math.ceil((slots * 8 + slots * 12 + COUNTER_WORDS * 4 + slots) / 8) * 8;
  }

  constructor(
    readonly slots: number,
    readonly buffer: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(ConnTable.bytesFor(slots)),
  ) {
    // Float64 first keeps it 8-byte aligned; bytes last need no alignment.
    const words = slots * 8;
    this.lastActive = new Float64Array(buffer, 0, slots);
    this.gen = new Uint32Array(buffer, words, slots);
    this.length = new Uint32Array(buffer, words + slots * 4, slots);
    this.sent = new Uint32Array(buffer, words + slots * 8, slots);
    this.counters = new Int32Array(buffer, words + slots * 12, COUNTER_WORDS);
    this.state = new Uint8Array(buffer, words + slots * 12 + COUNTER_WORDS * 4, slots);
  }

  /** Free -> Open for a new connection; returns its new generation. */
  open(slot: number, now: number): number {
    const gen = (this.gen[slot]! + 1) >>> 0;
    this.gen[slot] = gen;
    this.length[slot] = 0;
    this.sent[slot] = 0;
    this.lastActive[slot] = now;
    Atomics.add(this.counters, OPEN, 1);
    Atomics.store(this.state, slot, SlotState.Open);
    return gen;
  }

  /** Open or Closing -> Free, once the slot's last operation has completed. */
  free(slot: number): void {
    Atomics.store(this.state, slot, SlotState.Free);
    Atomics.sub(this.counters, OPEN, 1);
  }

  /** Connections open in this table (all workers' on a shared table). */
  openCount(): number {
    return Atomics.load(this.counters, OPEN);
  }

  /**
   * Open -> Aborting: claims the right to abort. The caller makes its OS
   * call and then calls endAbort; a completion arriving meanwhile waits in
   * stateFor().
   */
  beginAbort(slot: number): boolean {
    return Atomics.compareExchange(this.state, slot, SlotState.Open, SlotState.Aborting) === SlotState.Open;
  }

  /** Aborting -> Closing. */
  endAbort(slot: number): void {
    Atomics.store(this.state, slot, SlotState.Closing);
  }

  /**
   * The state a completion for (slot, gen) finds, once no aborter is
   * mid-call: Free when the completion is stale (the slot is out of range,
   * or has since been closed or reused by a later connection).
   */
  stateFor(slot: number, gen: number): SlotState {
    if (slot >= this.slots || this.gen[slot] !== gen) return SlotState.Free;
    let s = Atomics.load(this.state, slot);
    while (s === SlotState.Aborting) s = Atomics.load(this.state, slot);
    return s as SlotState;
  }

  /** The loop issued a send of [offset, end) of the slot's buffer. */
  sending(slot: number, offset: number, end: number): void {
    this.sent[slot] = offset;
    this.length[slot] = end;
  }

  /** The loop issued a recv: every byte received so far went out. */
  receiving(slot: number): void {
    this.sent[slot] = this.length[slot]!;
  }

  /** Only a recv is outstanding (no send reads the buffer). */
  receivePending(slot: number): boolean {
    return this.sent[slot] === this.length[slot];
  }
}
