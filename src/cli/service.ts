/**
 * `iocp-echo service <action>`: install and drive iocp-echo as a Windows
 * service (SCM) or a systemd unit. The platform is chosen here, once; the
 * Windows and Linux halves load lazily, since each binds its own system
 * libraries on import.
 */
import { ConfigError } from "../config.ts";
import { DEFAULT_SERVICE_NAME, serviceNameProblem } from "../service-paths.ts";
import { answerHelpOrVersion, type Command, type CommandIo } from "./command.ts";

const ACTIONS = ["install", "uninstall", "start", "stop", "status", "run"] as const;
const START_TYPES = ["auto", "delayed", "manual"] as const;
export type ServiceAction = (typeof ACTIONS)[number];

export interface ServiceRequest {
  action: ServiceAction;
  name: string;
  start: (typeof START_TYPES)[number];
  json: boolean;
  /** Options for the server, install only: checked with serve's schema. */
  serveArgs: string[];
}

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

/** Takes --name/--start/--json (either `--x v` or `--x=v`); the rest are serve options. */
function takeOwnOptions(args: string[]): { own: Map<string, string>; rest: string[] } {
  const own = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--(name|start|json)(?:=(.*))?$/.exec(arg);
    if (match === null) {
      rest.push(arg);
      continue;
    }
    const [, key, inline] = match as unknown as [string, string, string | undefined];
    if (key === "json") {
      if (inline !== undefined) throw new ConfigError("--json: takes no value");
      own.set(key, "true");
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      throw new ConfigError(`--${key}: needs a value (see iocp-echo service --help)`);
    }
    own.set(key, value);
  }
  return { own, rest };
}

/** argv after "service" -> a request, "help", or a ConfigError (exit 2). */
export function parseServiceArgs(argv: string[]): ServiceRequest | "help" {
  const [action, ...args] = argv;
  if (action === undefined || action === "--help" || action === "-h" || args.includes("--help")) return "help";
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new ConfigError(`service: unknown action ${JSON.stringify(action)} (one of ${ACTIONS.join(", ")})`);
  }
  const { own, rest } = takeOwnOptions(args);
  const name = own.get("name") ?? DEFAULT_SERVICE_NAME;
  const nameProblem = serviceNameProblem(name);
  if (nameProblem !== null) throw new ConfigError(nameProblem);
  const start = own.get("start") ?? "auto";
  if (!(START_TYPES as readonly string[]).includes(start)) {
    throw new ConfigError(`--start: must be one of ${START_TYPES.join(", ")}; got ${JSON.stringify(start)}`);
  }
  if (own.has("start") && action !== "install") throw new ConfigError(`--start: only for service install`);
  if (own.has("json") && action !== "status") throw new ConfigError(`--json: only for service status`);
  if (rest.length > 0 && action !== "install") {
    throw new ConfigError(
      `service ${action}: unexpected ${JSON.stringify(rest[0])} (serve options go to install only)`,
    );
  }
  return {
    action: action as ServiceAction,
    name,
    start: start as ServiceRequest["start"],
    json: own.has("json"),
    serveArgs: rest,
  };
}

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
