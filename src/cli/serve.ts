/**
 * `iocp-echo [serve] [options]`: the echo server, and the default command.
 * Its option table is SERVE_OPTIONS in src/config.ts (the server takes the
 * parsed EchoConfig). Exit codes: 0 clean shutdown, 1 could not start or
 * stopped with errors, 2 (thrown ConfigError) options refused.
 */
import { parseServeArgs, SERVE_OPTIONS, SERVE_SOURCES, VERSION } from "../config.ts";
import { createLogger } from "../log.ts";
import { notifySystemd } from "../service/serve-notify.ts";
import { EchoServer, StartupError } from "../server.ts";
import { answerHelpOrVersion, type Command, type CommandIo } from "./command.ts";
import { optionHelp } from "./options.ts";

export const SERVE_HELP = `iocp-echo ${VERSION}: a TCP echo server on I/O completion ports (io_uring on Linux)

Usage: iocp-echo [serve] [options]

${optionHelp(SERVE_OPTIONS, { configFile: true })}
Each option can also come from the environment as IOCP_ECHO_<NAME>
(IOCP_ECHO_PORT, IOCP_ECHO_ADMIN_TOKEN, ...). Precedence: defaults < config
file < environment < flags. When ready, one JSON line on stdout gives the
backend, workers and the actual echo and admin addresses.
`;

async function serve(argv: string[], io: CommandIo): Promise<number> {
  const request = parseServeArgs(argv, SERVE_SOURCES(io.env));
  if (request.kind !== "run") return answerHelpOrVersion(request.kind, SERVE_HELP, io);
  const config = request.values;
  const log = createLogger(config.logLevel, config.logFormat);
  let started: Awaited<ReturnType<typeof EchoServer.start>>;
  try {
    started = await EchoServer.start(config, log);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    // A log collector reading JSON lines gets this one as JSON too.
    if (config.logFormat === "json") log.error(error.message, { exitCode: 1 });
    else io.err(`iocp-echo: ${error.message}\n`);
    return 1;
  }
  const { server, ready } = started;
  // Handlers go in before the ready line, so a script that signals as soon
  // as it reads the line gets a graceful stop. A second signal during the
  // drain skips the rest of it.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => server.shutdown(signal, true));
  }
  io.out(`${JSON.stringify(ready)}\n`);
  await notifySystemd(server, ready, log, io.env);
  const { echo, admin } = ready;
  log.info(
    `echo on ${echo.host}:${echo.port}, admin on http://${admin.host}:${admin.port} ` +
      `(${ready.backend}, ${ready.workers} workers)`,
    { backend: ready.backend, workers: ready.workers, echoPort: echo.port, adminPort: admin.port },
  );
  return server.done;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "run the echo server (the default command)",
  run: serve,
};
