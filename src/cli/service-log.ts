/**
 * A service's log: every line at or above the level goes to the rotated
 * log file; warnings, errors and lifecycle lines (started, stopping,
 * stopped) also go to the Event Log, where an administrator looks first.
 * Writing a log line never throws: a full disk must not stop the server.
 */
import type { Logger, LogLevel } from "../log.ts";
import type { RotatingFile } from "../service/rotating-log.ts";

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;

/** Where Event Log entries go (the Windows EventSource, or a recorder in tests). */
export interface EventSink {
  information(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export class ServiceLog implements Logger {
  private level: LogLevel = "info";

  constructor(
    private readonly file: RotatingFile,
    private readonly events: EventSink | null,
  ) {}

  /** The level comes from the config file, which is read after the log opens. */
  setLevel(level: LogLevel): void {
    this.level = level;
  }

  error(message: string): void {
    this.write("error", message);
    this.events?.error(message);
  }

  warn(message: string): void {
    this.write("warn", message);
    this.events?.warning(message);
  }

  info(message: string): void {
    this.write("info", message);
  }

  debug(message: string): void {
    this.write("debug", message);
  }

  /** A lifecycle line: the log file and the Event Log, whatever the level. */
  lifecycle(message: string): void {
    this.line("info", message);
    this.events?.information(message);
  }

  private write(at: LogLevel, message: string): void {
    if (LEVELS[at] <= LEVELS[this.level]) this.line(at, message);
  }

  private line(at: LogLevel, message: string): void {
    try {
      this.file.append(`${new Date().toISOString()} ${at} ${message}\n`);
    } catch {
      // Nowhere left to say it: the Event Log still has warnings and errors.
    }
  }
}
