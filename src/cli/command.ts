/** What one command of the table is, and what it may use. See src/cli/commands.ts for how to add one. */
import { VERSION } from "./options.ts";

/** A command's view of the process, so tests can run one without spawning. */
export interface CommandIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  /** The word after `iocp-echo`. */
  name: string;
  /** One line for `iocp-echo --help`. */
  summary: string;
  /**
   * Runs with the arguments after the command word; resolves to the exit code
   * (0 ok, 1 runtime failure). Refused arguments: throw ConfigError (exit 2).
   */
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** `--help` and `--version`, answered the same way by every command: the command's help text, or the version. */
export function answerHelpOrVersion(kind: "help" | "version", help: string, io: CommandIo): number {
  io.out(kind === "help" ? help : `iocp-echo ${VERSION}\n`);
  return 0;
}
