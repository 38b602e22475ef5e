/**
 * Results of operations that completed inside WSARecv/WSASend on a socket
 * in FILE_SKIP_COMPLETION_PORT_ON_SUCCESS mode: no packet will come through
 * the port, so they wait here for the worker's next `wait`. A FIFO of at
 * most one entry per slot (one operation outstanding per connection), in
 * typed arrays so that a result allocates nothing.
 */
import type { CompletionBatch } from "../../engine.ts";

/**
 * The port is asked again after this many waits served from inline results
 * alone, or after a batch's worth of inline results, whichever comes first.
 * Small turns save the dequeue call; big ones hardly notice it, and under
 * load the port must be read often, because accepts arrive only through it.
 */
const INLINE_TURNS_BEFORE_DEQUEUE = 4;

export class InlineResults {
  private readonly slot: Uint32Array;
  private readonly gen: Uint32Array;
  private readonly op: Uint8Array;
  private readonly res: Int32Array;
  private head = 0;
  count = 0;
  /** Results handed to the loop so far. */
  delivered = 0;
  /** Waits in a row served from here alone, and the results they moved; bounded so the port is never starved. */
  private streak = 0;
  private sinceDequeue = 0;

  /** `portEntries`: what one dequeue may add to a batch. */
  constructor(
    slots: number,
    private readonly portEntries: number,
  ) {
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

  /**
   * One wait's share: moves waiting results into the batch and says whether
   * the port gets its turn too. Inline results alone may serve a few turns
   * in a row, which saves the dequeue call; then the port gets its turn,
   * with room kept for it in the batch: a backlog of inline results must
   * never crowd out accepts and exit keys (it did, with 1000 busy
   * connections under Wine).
   */
  serve(batch: CompletionBatch, portRoom: number): boolean {
    const portTurn =
      this.count === 0 || this.streak >= INLINE_TURNS_BEFORE_DEQUEUE || this.sinceDequeue >= this.portEntries;
    if (this.count > 0)
      this.sinceDequeue += this.moveInto(batch, batch.capacity - batch.count - (portTurn ? portRoom : 0));
    if (!portTurn) {
      this.streak++;
      return false;
    }
    this.streak = 0;
    this.sinceDequeue = 0;
    return true;
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
