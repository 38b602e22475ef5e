/**
 * `iocp-echo service <action>`: install and drive iocp-echo as a Windows
 * service (SCM) or a systemd unit. The platform is chosen here, once; the
 * Windows and Linux halves load lazily, since each binds its own system
 * libraries on import.
 */
import { DEFAULT_SERVICE_NAME } from "../service/service-paths.ts";
import { answerHelpOrVersion, type Command, type CommandIo } from "./command.ts";
import { parseServiceArgs, type ServiceRequest } from "./service-request.ts";

export const SERVICE_HELP = `Usage: iocp-echo service <action> [--name N] [options]

  install   [--name N] [--start auto|delayed|manual] [serve options...]
            Windows: registers "<exe> service run --name N" with the Service Control
            Manager (restart on failure, Event Log source N), writes the serve options
            to %ProgramData%\\iocp-echo\\N\\config.json. Needs an elevated prompt.
            Linux: writes /etc/systemd/system/N.service (Type=notify) and
            /etc/iocp-echo/N.json, then enables it. Needs root.
  uninstall [--name N]     stops it gracefully, removes it; keeps config and logs
  start     [--name N]     starts it and waits until it runs
  stop      [--name N]     stops it (the same graceful drain as POST /shutdown)
  status    [--name N] [--json]
  run       [--name N]     what the Service Control Manager launches; not for people

--name defaults to ${DEFAULT_SERVICE_NAME}. Serve options are those of "iocp-echo --help".
`;

/**
 * The command that runs this program: the executable when compiled, else
 * the runtime and the entry script (a source checkout).
 */
export function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("B:/~BUN/") || Bun.main.startsWith("/$bunfs/");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}

/** Refused arguments throw ConfigError, which the command table turns into exit 2. */
async function service(argv: string[], io: CommandIo): Promise<number> {
  const request = parseServiceArgs(argv);
  if (request === "help") return answerHelpOrVersion("help", SERVICE_HELP, io);
  return dispatch(request);
}

export const serviceCommand: Command = {
  name: "service",
  summary: "install and control iocp-echo as a Windows service or a systemd unit",
  run: service,
};

async function dispatch(r: ServiceRequest): Promise<number> {
  if (process.platform === "win32") {
    if (r.action === "run") return (await import("./service-run.ts")).runService(r.name);
    if (r.action === "status") return (await import("./service-windows-status.ts")).status(r);
    const windows = await import("./service-windows.ts");
    if (r.action === "install") return windows.install(r, selfCommand());
    return windows[r.action](r);
  }
  const linux = await import("./service-linux.ts");
  if (r.action === "run") {
    process.stderr.write(`iocp-echo: "service run" is for the Windows Service Control Manager; systemd runs "serve"\n`);
    return 2;
  }
  return linux[r.action](r, selfCommand());
}
