/**
 * CLI entry: argv -> command table (src/cli/commands.ts) -> exit code.
 *   0  done (clean shutdown, --help, --version)
 *   1  a runtime failure (the server could not start or stopped with errors)
 *   2  the arguments or configuration were refused
 */
import { runCommandLine } from "./cli/commands.ts";

const io = {
  env: process.env,
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
};

runCommandLine(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`iocp-echo: unexpected error: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
