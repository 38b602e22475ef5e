/** Logs go to stderr, one line each; stdout carries only the ready line. */
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export function createLogger(level: LogLevel): Logger {
  const write = (at: LogLevel) => (message: string) => {
    if (LEVELS[at] <= LEVELS[level]) process.stderr.write(`${new Date().toISOString()} ${at} ${message}\n`);
  };
  return { error: write("error"), warn: write("warn"), info: write("info"), debug: write("debug") };
}
