/**
 * The echo step: pure, backend-agnostic, and the whole of the protocol.
 *
 * Each connection has exactly one operation outstanding at a time:
 *   recv n (n > 0)          -> send those n bytes
 *   send m of the rest      -> send what is still left (partial send)
 *   send finished the bytes -> recv again
 *   recv 0 (EOF) or error   -> close
 *   anything while closing  -> close
 *   a completion whose generation is not the slot's -> ignore (it belongs to
 *                              a connection that has since closed)
 * Because the next recv is issued only after the previous bytes went out, a
 * client that stops reading stops the server reading from it too: memory per
 * connection is one buffer, whatever the client does.
 *
 * State lives in typed arrays indexed by slot, so the loop allocates nothing
 * per message. On Windows every worker takes completions from one port, so
 * the table and the slot pool sit in a SharedArrayBuffer that all workers
 * map; one outstanding operation per connection means one worker at a time
 * touches a slot, and the completion port orders those touches. The one
 * cross-thread race, an abort (idle timeout, shutdown) against the slot's
 * own completion, is settled by a compare-and-swap on the state byte.
 */

export const Action = {
  Recv: 1,
  Send: 2,
  Close: 3,
  Ignore: 4,
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export const SlotState = {
  Free: 0,
  Open: 1,
  /** An aborter is between its compare-and-swap and its OS call. */
  Aborting: 2,
  Closing: 3,
} as const;

/** Completion kinds the echo step understands (a subset of engine OpKind). */
export const EchoOp = { Recv: 2, Send: 3 } as const;

const COUNTER_WORDS = 4;
const OPEN = 0;

export class ConnTable {
  /** Coarse clock (ms) of the last completion, for the idle timeout. */
  readonly lastActive: Float64Array;
  readonly gen: Uint32Array;
  /** Bytes received by the last recv, being echoed. */
  readonly length: Uint32Array;
  /** How many of those bytes have been sent. */
  readonly sent: Uint32Array;
  private readonly counters: Int32Array;
  readonly state: Uint8Array;

  static bytesFor(slots: number): number {
    return slots * 8 + slots * 12 + COUNTER_WORDS * 4 + slots;
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

  /** Mark a slot open for a new connection; returns its new generation. */
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

  free(slot: number): void {
    Atomics.store(this.state, slot, SlotState.Free);
    Atomics.sub(this.counters, OPEN, 1);
  }

  /** Connections open in this table (all workers' on a shared table). */
  openCount(): number {
    return Atomics.load(this.counters, OPEN);
  }

  /**
   * Claims the right to abort an open slot. The caller makes its OS call and
   * then calls endAbort; a completion arriving meanwhile waits in settle().
   */
  beginAbort(slot: number): boolean {
    return Atomics.compareExchange(this.state, slot, SlotState.Open, SlotState.Aborting) === SlotState.Open;
  }

  endAbort(slot: number): void {
    Atomics.store(this.state, slot, SlotState.Closing);
  }

  /** The slot's state once no aborter is mid-call. */
  settle(slot: number): number {
    let s = Atomics.load(this.state, slot);
    while (s === SlotState.Aborting) s = Atomics.load(this.state, slot);
    return s;
  }
}

/**
 * Decide what follows a completion of `op` with result `res` (bytes, or a
 * negative error) for `slot` at generation `gen`. Updates the slot's
 * length/sent; for Action.Send the bytes to send are
 * [sent, length) of the slot's buffer.
 */
export function echoStep(table: ConnTable, slot: number, gen: number, op: number, res: number): Action {
  if (slot >= table.slots || table.gen[slot] !== gen) return Action.Ignore;
  const state = table.settle(slot);
  if (state === SlotState.Free) return Action.Ignore;
  if (state === SlotState.Closing || res <= 0) return Action.Close;
  if (op === EchoOp.Recv) {
    table.length[slot] = res;
    table.sent[slot] = 0;
    return Action.Send;
  }
  if (op === EchoOp.Send) {
    const sent = table.sent[slot]! + res;
    table.sent[slot] = sent;
    return sent < table.length[slot]! ? Action.Send : Action.Recv;
  }
  return Action.Ignore;
}

/**
 * A LIFO stack of free slots (the most recently used buffer is warm), behind
 * a spin lock so that workers sharing one pool can take and give slots. The
 * lock is held for a handful of instructions; on a private pool it is never
 * contended.
 */
export class SlotPool {
  private readonly words: Int32Array;

  static bytesFor(slots: number): number {
    return (2 + slots) * 4;
  }

  constructor(
    readonly slots: number,
    buffer: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(SlotPool.bytesFor(slots)),
    fill = true,
  ) {
    this.words = new Int32Array(buffer, 0, 2 + slots);
    if (fill) {
      for (let i = 0; i < slots; i++) this.words[2 + i] = slots - 1 - i;
      Atomics.store(this.words, 1, slots);
    }
  }

  get available(): number {
    return Atomics.load(this.words, 1);
  }

  take(): number {
    this.lock();
    const top = this.words[1]!;
    const slot = top === 0 ? -1 : this.words[1 + top]!;
    if (top > 0) this.words[1] = top - 1;
    this.unlock();
    return slot;
  }

  give(slot: number): void {
    this.lock();
    const top = this.words[1]! + 1;
    this.words[1 + top] = slot;
    this.words[1] = top;
    this.unlock();
  }

  private lock(): void {
    while (Atomics.compareExchange(this.words, 0, 0, 1) !== 0);
  }

  private unlock(): void {
    Atomics.store(this.words, 0, 0);
  }
}
