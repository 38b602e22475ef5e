/**
 * The line printed per --interval while a run goes on. On a terminal it is
 * rewritten in place (carriage return, erase to end of line); on a pipe or
 * file each interval gets its own line, so a log keeps them all.
 */
import type { IntervalSample } from "./aggregate.ts";

export function progressLine(s: IntervalSample): string {
  const p99 = (s.latencyUs.p99 / 1000).toFixed(3);
  const udp = s.udp === null ? "" : `  lost ${s.udp.lost}  jitter ${(s.udp.jitterUs / 1000).toFixed(3)} ms`;
  return `[${s.endS.toFixed(1).padStart(6)} s] ${s.messagesPerSec.toFixed(0).padStart(9)} msg/s ${s.mbPerSec.toFixed(2).padStart(9)} MB/s  p99 ${p99} ms  open ${s.open}  errors ${s.errors}${udp}`;
}

export class ProgressWriter {
  private wroteInPlace = false;

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly tty: boolean,
  ) {}

  sample(s: IntervalSample): void {
    if (this.tty) {
      this.out.write(`\r${progressLine(s)}\x1b[K`);
      this.wroteInPlace = true;
    } else {
      this.out.write(`${progressLine(s)}\n`);
    }
  }

  /** Ends the in-place line so what follows starts on a line of its own. */
  finish(): void {
    if (this.wroteInPlace) this.out.write("\n");
    this.wroteInPlace = false;
  }
}
