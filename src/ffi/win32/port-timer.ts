/**
 * A loop's one timer on IOCP (the server's queue and the bench client's).
 * A completion port has no timer object, so the timer is a deadline: the
 * dequeue's timeout honours it, and the queue reports it as a Timer
 * completion once due (or cancelled).
 */

/** GetQueuedCompletionStatusEx's "wait for ever" (kernel32's INFINITE; not imported, so this file loads without kernel32.dll). */
const INFINITE = 0xffffffff;

export class PortTimer {
  private deadline = 0;
  private cancelled = false;

  arm(ms: number): void {
    this.deadline = performance.now() + ms;
  }

  cancel(): void {
    if (this.deadline === 0) return;
    this.deadline = 0;
    this.cancelled = true;
  }

  /** True once after cancel(): the armed timer completes with an error. */
  takeCancelled(): boolean {
    if (!this.cancelled) return false;
    this.cancelled = false;
    return true;
  }

  /** True once when the armed deadline has passed. */
  takeDue(): boolean {
    if (this.deadline === 0 || performance.now() < this.deadline) return false;
    this.deadline = 0;
    return true;
  }

  /** How long a dequeue may block: until the deadline, or for ever with none armed. */
  waitMs(): number {
    return this.deadline === 0 ? INFINITE : Math.max(0, Math.ceil(this.deadline - performance.now()));
  }
}
