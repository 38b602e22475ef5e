/**
 * A log file rotated by size, for a service's full log: when the next line
 * would take iocp-echo.log past the limit, iocp-echo.log.(k) moves to .(k+1)
 * for the kept files (the oldest is dropped) and iocp-echo.log to .1.
 * Synchronous appends: a service logs lifecycle and errors, not traffic,
 * and a line must be on disk before a crash can lose it.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";

export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
export const LOG_FILES_KEPT = 5;

/** The renames that rotate `path`, oldest first: [from, to], or [from, null] to delete. */
export function rotationSteps(path: string, kept: number): [string, string | null][] {
  const steps: [string, string | null][] = [[`${path}.${kept}`, null]];
  for (let k = kept - 1; k >= 1; k--) steps.push([`${path}.${k}`, `${path}.${k + 1}`]);
  steps.push([path, `${path}.1`]);
  return steps;
}

export class RotatingFile {
  private size: number;

  constructor(
    private readonly path: string,
    private readonly maxBytes = LOG_ROTATE_BYTES,
    private readonly kept = LOG_FILES_KEPT,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.size = RotatingFile.sizeOf(path);
  }

  append(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    appendFileSync(this.path, line);
    this.size += bytes;
  }

  private rotate(): void {
    for (const [from, to] of rotationSteps(this.path, this.kept)) {
      try {
        if (to === null) rmSync(from, { force: true });
        else renameSync(from, to);
      } catch {
        // A missing older file is the normal case while fewer than `kept` exist.
      }
    }
    this.size = 0;
  }

  private static sizeOf(path: string): number {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  }
}
