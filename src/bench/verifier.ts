/**
 * Checks one connection's echo against what it sent: every byte in order,
 * nothing more than was sent, nothing missing when the server closes, and
 * progress at least once a second while bytes are outstanding.
 */
import { classifyMismatch, echoMatches, firstMismatch, type MismatchKind, type PatternCopy } from "./payload.ts";

/** No byte back for this long while some are outstanding: the server has stalled. */
export const STALL_MS = 1000;

export type VerifyFailure = MismatchKind | "closed" | "stall";

export class StreamVerifier {
  /** Stream bytes handed to the socket so far. */
  sent = 0;
  /** Stream bytes echoed back and checked so far. */
  received = 0;
  private lastProgressMs = 0;

  constructor(readonly stream: number) {}

  get outstanding(): number {
    return this.sent - this.received;
  }

  /** Call as bytes are sent; the stall clock starts when nothing was outstanding. */
  onSent(bytes: number, nowMs: number): void {
    if (this.sent === this.received) this.lastProgressMs = nowMs;
    this.sent += bytes;
  }

  /**
   * Checks bytes echoed back into `copy.memory` at `at`; null when every one
   * is right. One native compare against the pattern settles the common
   * case; only a difference is looked for byte by byte and classified.
   */
  onReceived(copy: PatternCopy, at: number, length: number, nowMs: number): VerifyFailure | null {
    const expected = Math.min(length, this.outstanding);
    if (!echoMatches(copy, this.stream, this.received, at, expected)) {
      const data = copy.memory;
      const wrong = firstMismatch(this.stream, this.received, data, at, expected);
      return classifyMismatch(this.stream, this.received + wrong, data, at + wrong, length - wrong);
    }
    // Every byte so far was right, and more came back than was sent.
    if (length > expected) return "extra";
    this.received += length;
    this.lastProgressMs = nowMs;
    return null;
  }

  /** The server closed: fine only when nothing was outstanding. */
  onClosed(): VerifyFailure | null {
    return this.outstanding > 0 ? "closed" : null;
  }

  stalled(nowMs: number): boolean {
    return this.outstanding > 0 && nowMs - this.lastProgressMs >= STALL_MS;
  }
}
