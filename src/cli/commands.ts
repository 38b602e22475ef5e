/**
 * The command table: `iocp-echo [command] [options]`.
 *
 * How to add a command (say `bench`):
 * 1. Write src/cli/bench.ts exporting a `Command` (src/cli/command.ts):
 *    `{ name: "bench", summary: "one line for iocp-echo --help", run(argv, io) }`.
 *    `argv` is what follows the command word; `run` resolves to the exit code
 *    (0 ok, 1 runtime failure) and throws ConfigError for refused arguments,
 *    which the table turns into `iocp-echo: <message>` on stderr and exit 2.
 * 2. Declare its options once, as an OptionTable (src/cli/options.ts): per
 *    option a zod `schema`, `accepts` (words for the error message), a
 *    `fallback` (default; `undefined` for optional) or `required: true`,
 *    `kind` ("number" and "boolean" read text from flags and environment), an
 *    optional one-letter `short` alias, a `value` placeholder and a `help`
 *    line. `parseOptions(TABLE, argv)` gives `{ kind: "run", values, given }`
 *    or `{ kind: "help" | "version" }` (answer with `answerHelpOrVersion`).
 *    Flags alone by default; pass `{ env: io.env, configFile: true }` to also
 *    read IOCP_ECHO_<NAME> and `--config FILE` (defaults < file < env < flags).
 *    `optionHelp(TABLE)` writes the option lines of the command's --help.
 * 3. Add it to COMMANDS below: one line. `iocp-echo --help` lists it.
 * A command with words of its own (`service install`) reads them from the
 * front of argv and hands the rest to parseOptions. Serve's options in
 * another command: `parseServeArgs(argv, {})` (src/config.ts) validates
 * flags alone with serve's schemas and its `given` is a config file's content
 * (JSON.stringify); or spread SERVE_OPTIONS into a table with options of
 * your own and call checkServeConfig on the values.
 */
import { type Command, type CommandIo, answerHelpOrVersion } from "./command.ts";
import { ConfigError, VERSION } from "./options.ts";
import { benchCommand } from "./bench.ts";
import { serveCommand } from "./serve.ts";
import { serviceCommand } from "./service.ts";

/** Every command; the first is the default, run when argv starts with an option or is empty. */
export const COMMANDS: readonly Command[] = [serveCommand, serviceCommand, benchCommand];

const DEFAULT = COMMANDS[0]!;

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const d = DEFAULT.name;
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n");
  return `iocp-echo ${VERSION}: a TCP echo server on I/O completion ports (io_uring on Linux)

Usage: iocp-echo [command] [options]
       iocp-echo --help | --version

Commands:
${rows}

Without a command, iocp-echo runs ${d}: \`iocp-echo --port 6000\` is \`iocp-echo ${d} --port 6000\`.
\`iocp-echo ${d} --help\` lists the server's options; \`iocp-echo <command> --help\` any command's.
`;
}

/** argv -> the command it names (or the default) and that command's own arguments. */
export function pickCommand(argv: string[]): { command: Command; args: string[] } {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith("-")) return { command: DEFAULT, args: argv };
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name).join(", ");
    throw new ConfigError(`unknown command ${JSON.stringify(first)} (commands: ${names}; see iocp-echo --help)`);
  }
  return { command, args: rest };
}

/** The whole command line -> exit code: 0 ok, 1 runtime failure, 2 refused arguments. */
export async function runCommandLine(argv: string[], io: CommandIo): Promise<number> {
  try {
    // Top-level --help/--version only as the first argument: after an option
    // they belong to the default command, as they always did.
    if (argv[0] === "--help" || argv[0] === "-h") return answerHelpOrVersion("help", topHelp(), io);
    if (argv[0] === "--version" || argv[0] === "-v") return answerHelpOrVersion("version", "", io);
    const { command, args } = pickCommand(argv);
    return await command.run(args, io);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`iocp-echo: ${error.message}\n`);
    return 2;
  }
}
