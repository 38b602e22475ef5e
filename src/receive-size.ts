/**
 * How many bytes a connection's next receive asks for: the idea of Netty's
 * AdaptiveRecvByteBufAllocator. A fixed 8 KiB receive costs a stream of
 * 16 KiB messages four operations per message where one receive and one send
 * would do (2x the CPU of C, measured); a fixed 64 KiB one costs every chatty
 * or idle connection 64 KiB. So each connection starts small and moves:
 *
 * - a receive that fills its buffer means more was waiting: the next one is
 *   GROW_FACTOR times bigger at once (4 KiB -> 16 KiB -> 64 KiB), so a stream
 *   reaches the ceiling after two receives;
 * - a receive that would have fitted a buffer SHRINK_BELOW times smaller is
 *   short; after SHORT_RECEIVES_BEFORE_SHRINK of them in a row the size
 *   halves. Receives between the two marks keep the size, so a connection
 *   whose receives hover near one size does not flap between two (each
 *   change of size is a commit or decommit call on Windows);
 * - never below the floor, never above the ceiling (`--buffer-size`).
 *
 * Per-slot state is two typed-array columns over a caller-given buffer, so
 * the policy allocates nothing per message and can live beside the
 * connection table (a SharedArrayBuffer on IOCP, where any worker may take
 * the slot's next completion; one operation outstanding per connection
 * means one worker at a time touches a slot's row).
 */

/** Where every connection starts: one page, the unit memory is committed in. */
export const INITIAL_RECEIVE_BYTES = 4096;
export const GROW_FACTOR = 4;
/** A receive of at most size / SHRINK_BELOW bytes is short. */
export const SHRINK_BELOW = 4;
export const SHORT_RECEIVES_BEFORE_SHRINK = 4;

export class ReceiveSizes {
  /** The size of the slot's next receive, in bytes. */
  readonly size: Uint32Array;
  /** Short receives in a row so far. */
  private readonly shortRun: Uint8Array;
  /** The smallest size: INITIAL_RECEIVE_BYTES, or the ceiling when that is smaller. */
  readonly floor: number;

  static bytesFor(slots: number): number {
    return slots * 5;
  }

  /** `byteOffset` must be a multiple of 4 (the size column is 32-bit). */
  constructor(
    readonly slots: number,
    readonly ceiling: number,
    buffer: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(ReceiveSizes.bytesFor(slots)),
    byteOffset = 0,
  ) {
    if (!Number.isInteger(ceiling) || ceiling < 1) throw new RangeError(`receive ceiling ${ceiling}: not a size`);
    this.size = new Uint32Array(buffer, byteOffset, slots);
    this.shortRun = new Uint8Array(buffer, byteOffset + slots * 4, slots);
    this.floor = Math.min(INITIAL_RECEIVE_BYTES, ceiling);
  }

  /** A new connection in the slot: returns the size of its first receive. */
  start(slot: number): number {
    this.size[slot] = this.floor;
    this.shortRun[slot] = 0;
    return this.floor;
  }

  /**
   * A receive into the slot's buffer returned `received` bytes (> 0):
   * returns the size of the slot's next receive.
   */
  afterReceive(slot: number, received: number): number {
    const size = this.size[slot]!;
    const run = received < size && received * SHRINK_BELOW <= size ? this.shortRun[slot]! + 1 : 0;
    let next = size;
    if (received >= size) next = Math.min(this.ceiling, size * GROW_FACTOR);
    else if (run === SHORT_RECEIVES_BEFORE_SHRINK) next = Math.max(this.floor, Math.floor(size / 2));
    this.shortRun[slot] = run === SHORT_RECEIVES_BEFORE_SHRINK ? 0 : run;
    this.size[slot] = next;
    return next;
  }
}
