/**
 * A LIFO stack of free slots (the most recently used buffer is warm), behind
 * a spin lock so that workers sharing one pool can take and give slots. The
 * lock is held for a handful of instructions; on a private pool it is never
 * contended.
 *
 * Layout (Int32 words): [0] the lock, [1] how many slots are free, [2..]
 * the stack.
 */
export class SlotPool {
  private readonly words: Int32Array;

  static bytesFor(slots: number): number {
    return (2 + slots) * 4;
  }

  /** `fill`: false for a second view of a pool another view already filled. */
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

  /** A free slot, or -1 when none is left. */
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
