/**
 * Logs go to stderr, one line each; stdout carries only the ready line.
 *
 * Two formats (--log-format):
 *   text  `2026-11-29T22:00:00.000Z info shutting down (SIGTERM)`: for people
 *   json  `{"time":"...","level":"info","message":"shutting down (SIGTERM)","reason":"SIGTERM"}`:
 *         one object per line for a log collector, with the structured fields
 *         the caller passed (worker, connection counts, error code) as members.
 * A text line carries the message only: callers put the facts a person needs
 * in the message, and repeat them as fields for machines.
 */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Facts about the event, each a JSON member of the line in the json format. */
export type LogFields = Record<string, string | number | boolean | null>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

/** One line, newline included, in the given format. */
export function formatLine(
  format: LogFormat,
  time: Date,
  level: LogLevel,
  message: string,
  fields?: LogFields,
): string {
  const at = time.toISOString();
  if (format === "text") return `${at} ${level} ${message}\n`;
  // Spread first for member order, then the fixed members again: a field cannot overwrite them.
  const fixed = { time: at, level, message };
  return `${JSON.stringify({ ...fixed, ...fields, ...fixed })}\n`;
}

export function createLogger(
  level: LogLevel,
  format: LogFormat = "text",
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const at = (l: LogLevel) => (message: string, fields?: LogFields) => {
    if (LEVELS[l] <= LEVELS[level]) write(formatLine(format, new Date(), l, message, fields));
  };
  return { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}
