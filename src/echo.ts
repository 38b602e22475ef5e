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
 * State lives in typed arrays indexed by slot so that the loop allocates
 * nothing per message.
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
  Closing: 2,
} as const;

/** Completion kinds the echo step understands (a subset of engine OpKind). */
export const EchoOp = { Recv: 2, Send: 3 } as const;

export class ConnTable {
  readonly state: Uint8Array;
  readonly gen: Uint32Array;
  /** Bytes received by the last recv, being echoed. */
  readonly length: Uint32Array;
  /** How many of those bytes have been sent. */
  readonly sent: Uint32Array;
  /** Coarse clock (ms) of the last completion, for the idle timeout. */
  readonly lastActive: Float64Array;

  constructor(readonly slots: number) {
    this.state = new Uint8Array(slots);
    this.gen = new Uint32Array(slots);
    this.length = new Uint32Array(slots);
    this.sent = new Uint32Array(slots);
    this.lastActive = new Float64Array(slots);
  }

  /** Mark a slot open for a new connection; returns its new generation. */
  open(slot: number, now: number): number {
    const gen = (this.gen[slot]! + 1) >>> 0;
    this.gen[slot] = gen;
    this.state[slot] = SlotState.Open;
    this.length[slot] = 0;
    this.sent[slot] = 0;
    this.lastActive[slot] = now;
    return gen;
  }

  free(slot: number): void {
    this.state[slot] = SlotState.Free;
  }
}

/**
 * Decide what follows a completion of `op` with result `res` (bytes, or a
 * negative error) for `slot` at generation `gen`. Updates the slot's
 * length/sent; for Action.Send the bytes to send are
 * [sent, length) of the slot's buffer.
 */
export function echoStep(table: ConnTable, slot: number, gen: number, op: number, res: number): Action {
  if (slot >= table.slots || table.gen[slot] !== gen || table.state[slot] === SlotState.Free) {
    return Action.Ignore;
  }
  if (table.state[slot] === SlotState.Closing || res <= 0) return Action.Close;
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

/** A LIFO stack of free slots: the most recently used buffer is warm. */
export class SlotPool {
  private readonly free: Uint32Array;
  private top: number;

  constructor(slots: number) {
    this.free = new Uint32Array(slots);
    for (let i = 0; i < slots; i++) this.free[i] = slots - 1 - i;
    this.top = slots;
  }

  get available(): number {
    return this.top;
  }

  take(): number {
    return this.top === 0 ? -1 : this.free[--this.top]!;
  }

  give(slot: number): void {
    this.free[this.top++] = slot;
  }
}
