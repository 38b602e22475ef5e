/**
 * Results of operations that completed inside WSARecv/WSASend on a socket
 * in FILE_SKIP_COMPLETION_PORT_ON_SUCCESS mode: no packet will come through
 * the port, so they wait here for the worker's next `wait`. A FIFO of at
 * most one entry per slot (one operation outstanding per connection), in
 * typed arrays so that a result allocates nothing.
 */
import type { CompletionBatch } from "../../engine.ts";

export class InlineResults {
  private readonly slot: Uint32Array;
  private readonly gen: Uint32Array;
  private readonly op: Uint8Array;
  private readonly res: Int32Array;
  private head = 0;
  count = 0;
  /** Results handed to the loop so far. */
  delivered = 0;

  constructor(slots: number) {
    this.slot = new Uint32Array(slots);
    this.gen = new Uint32Array(slots);
    this.op = new Uint8Array(slots);
    this.res = new Int32Array(slots);
  }

  push(slot: number, gen: number, op: number, res: number): void {
    const i = (this.head + this.count++) % this.slot.length;
    this.slot[i] = slot;
    this.gen[i] = gen;
    this.op[i] = op;
    this.res[i] = res;
  }

  /** Moves up to `room` results, oldest first, into the batch; returns how many. */
  moveInto(batch: CompletionBatch, room: number): number {
    const moved = Math.min(Math.max(room, 0), this.count);
    for (let k = 0; k < moved; k++) {
      const i = this.head;
      batch.push(this.op[i]!, this.slot[i]!, this.gen[i]!, this.res[i]!, 0);
      this.head = (i + 1) % this.slot.length;
      this.count--;
      this.delivered++;
    }
    return moved;
  }
}
