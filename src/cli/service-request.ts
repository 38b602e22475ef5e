/**
 * What `iocp-echo service ...` asks for: the action, the service's name, and
 * the options of each action, parsed once. Its own file so that the
 * platform halves can take the type without importing the command (which
 * loads them).
 */
import { ConfigError } from "../config.ts";
import { DEFAULT_SERVICE_NAME, serviceNameProblem } from "../service/service-paths.ts";

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
    const key = match[1]!;
    const inline = match[2];
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
