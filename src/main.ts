/**
 * CLI entry: argv -> config -> server -> exit code.
 *   0  clean shutdown (or --help / --version)
 *   1  the server could not start or stopped with errors
 *   2  the configuration was refused
 */
import { ConfigError, HELP, parseCli, VERSION } from "./config.ts";
import { createLogger } from "./log.ts";
import { EchoServer, StartupError } from "./server.ts";

async function main(argv: string[]): Promise<number> {
  let request: ReturnType<typeof parseCli>;
  try {
    request = parseCli(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`iocp-echo: ${error.message}\n`);
    return 2;
  }
  if (request.kind === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (request.kind === "version") {
    process.stdout.write(`iocp-echo ${VERSION}\n`);
    return 0;
  }
  const log = createLogger(request.config.logLevel);
  let started: Awaited<ReturnType<typeof EchoServer.start>>;
  try {
    started = await EchoServer.start(request.config, log);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`iocp-echo: ${error.message}\n`);
    return 1;
  }
  const { server, ready } = started;
  // Handlers go in before the ready line, so a script that signals as soon
  // as it reads the line gets a graceful stop. A second signal during the
  // drain skips the rest of it.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => server.shutdown(signal, true));
  }
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  log.info(
    `echo on ${ready.echo.host}:${ready.echo.port}, admin on http://${ready.admin.host}:${ready.admin.port} (${ready.backend}, ${ready.workers} workers)`,
  );
  return server.done;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`iocp-echo: unexpected error: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
