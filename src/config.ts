/**
 * Configuration: one zod schema per option, merged from four sources in
 * order of precedence: defaults < config file (JSON) < IOCP_ECHO_* environment
 * < command-line flags. Every rejected value is reported with the place it
 * came from (`--port`, `IOCP_ECHO_PORT`, `config.json: port`) and what is
 * accepted, and the CLI exits 2.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";

export const VERSION = "0.1.0";

const MAX_TIMEOUT_MS = 86_400_000;

const port = z.number().int().min(0).max(65535);
const host = z.string().refine((h) => isIP(h) !== 0);

/** Every option: its schema, the words that say what it accepts, its default. */
const OPTIONS = {
  port: { schema: port, accepts: "an integer from 0 to 65535 (0: any free port)", fallback: 6000 },
  host: { schema: host, accepts: "an IPv4 or IPv6 address such as 0.0.0.0 or ::1", fallback: "0.0.0.0" },
  adminPort: { schema: port, accepts: "an integer from 0 to 65535 (0: any free port)", fallback: 9000 },
  adminHost: { schema: host, accepts: "an IPv4 or IPv6 address such as 127.0.0.1", fallback: "127.0.0.1" },
  workers: {
    schema: z.number().int().min(1).max(256),
    accepts: "an integer from 1 to 256",
    fallback: availableParallelism(),
  },
  bufferSize: {
    schema: z
      .number()
      .int()
      .min(64)
      .max(16 * 1024 * 1024),
    accepts: "a number of bytes from 64 to 16777216",
    fallback: 8192,
  },
  maxConnections: {
    schema: z.number().int().min(1).max(1_000_000),
    accepts: "an integer from 1 to 1000000",
    fallback: 10_000,
  },
  idleTimeout: {
    schema: z.number().int().min(0).max(MAX_TIMEOUT_MS),
    accepts: `milliseconds from 0 (never) to ${MAX_TIMEOUT_MS}`,
    fallback: 0,
  },
  keepalive: {
    schema: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMEOUT_MS)
      .refine((ms) => ms === 0 || ms >= 1000),
    accepts: `milliseconds from 1000 to ${MAX_TIMEOUT_MS}, or 0 (off)`,
    fallback: 300_000,
  },
  drainTimeout: {
    schema: z.number().int().min(0).max(MAX_TIMEOUT_MS),
    accepts: `milliseconds from 0 to ${MAX_TIMEOUT_MS}`,
    fallback: 5000,
  },
  adminToken: {
    schema: z
      .string()
      .min(8)
      .max(512)
      .regex(/^[\x21-\x7e]+$/),
    accepts: "8 to 512 printable characters without spaces",
    fallback: undefined as string | undefined,
  },
  backend: { schema: z.enum(["auto", "iocp", "io_uring"]), accepts: "one of auto, iocp, io_uring", fallback: "auto" },
  logLevel: {
    schema: z.enum(["error", "warn", "info", "debug"]),
    accepts: "one of error, warn, info, debug",
    fallback: "info",
  },
} as const;

type OptionName = keyof typeof OPTIONS;
const NAMES = Object.keys(OPTIONS) as OptionName[];

export type EchoConfig = {
  [K in OptionName]: K extends "adminToken" ? string | undefined : z.infer<(typeof OPTIONS)[K]["schema"]>;
};

export type CliRequest = { kind: "run"; config: EchoConfig } | { kind: "help" } | { kind: "version" };

/** A configuration the server refuses; the CLI prints `message` and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const flagOf = (name: OptionName) => `--${kebab(name)}`;
const envOf = (name: OptionName) => `IOCP_ECHO_${kebab(name).replace(/-/g, "_").toUpperCase()}`;
const NUMERIC = new Set<OptionName>([
  "port",
  "adminPort",
  "workers",
  "bufferSize",
  "maxConnections",
  "idleTimeout",
  "keepalive",
  "drainTimeout",
]);

/** Flags and environment give strings; numeric options want whole decimal numbers. */
function fromText(name: OptionName, text: string): unknown {
  if (!NUMERIC.has(name)) return text;
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

function validate(name: OptionName, raw: unknown, where: string): unknown {
  const option = OPTIONS[name];
  const result = option.schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${where}: must be ${option.accepts}; got ${JSON.stringify(raw)}`);
  return result.data;
}

export const HELP = `iocp-echo ${VERSION}: a TCP echo server on I/O completion ports (io_uring on Linux)

Usage: iocp-echo [options]

  --port N              echo port (default 6000; 0 picks a free port)
  --host ADDR           echo address (default 0.0.0.0)
  --admin-port N        admin API port (default 9000; 0 picks a free port)
  --admin-host ADDR     admin API address (default 127.0.0.1)
  --workers N           completion-loop threads (default: CPU count)
  --buffer-size BYTES   per-connection buffer (default 8192)
  --max-connections N   open connections at most; more are closed at once (default 10000)
  --idle-timeout MS     close a connection silent for this long (default 0: never)
  --keepalive MS        probe a connection silent this long; an unanswered peer is
                        closed, even one that vanished without a FIN (default 300000; 0: off)
  --drain-timeout MS    on shutdown, how long open connections may finish (default 5000)
  --admin-token T       require "Authorization: Bearer T" on POST /shutdown
  --config FILE         JSON file with any of the options above in camelCase
  --backend NAME        auto, iocp or io_uring (default auto)
  --log-level LEVEL     error, warn, info or debug (default info)
  --help, --version

Each option can also come from the environment as IOCP_ECHO_<NAME>
(IOCP_ECHO_PORT, IOCP_ECHO_ADMIN_TOKEN, ...). Precedence: defaults < config
file < environment < flags. When ready, one JSON line on stdout gives the
backend, workers and the actual echo and admin addresses.
`;

type FlagValues = Record<string, string | boolean | undefined>;

function parseFlags(argv: string[]): FlagValues {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = Object.fromEntries([
    ...NAMES.map((n) => [kebab(n), { type: "string" as const }]),
    ["config", { type: "string" as const }],
    ["help", { type: "boolean" as const, short: "h" }],
    ["version", { type: "boolean" as const, short: "v" }],
  ]);
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(text);
    if (unknown) {
      // "-h=1" is read as the short options h, =, 1: name the whole argument.
      const option = unknown[1]!;
      const whole = option.startsWith("--")
        ? undefined
        : argv.find((a) => /^-[^-]/.test(a) && a.includes(option.slice(1)));
      throw new ConfigError(
        `unknown option ${whole !== undefined && whole !== option ? JSON.stringify(whole) : option} (see --help)`,
      );
    }
    const missing = /Option '(-\S+?)(?:, -\S+)?(?: <value>)?' argument missing/.exec(text);
    if (missing) throw new ConfigError(`${missing[1]}: needs a value (see --help)`);
    const ambiguous = /Option '(-\S+?)(?:, -\S+)?' argument is ambiguous/.exec(text);
    if (ambiguous)
      throw new ConfigError(`${ambiguous[1]}: a value starting with "-" must be written ${ambiguous[1]}=VALUE`);
    const noValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(text);
    if (noValue) throw new ConfigError(`${noValue[1]}: takes no value`);
    const positional = /Unexpected argument '([^']*)'/.exec(text);
    if (positional)
      throw new ConfigError(`unexpected argument ${JSON.stringify(positional[1])}: options start with -- (see --help)`);
    throw new ConfigError(text);
  }
}

function readConfigFile(path: string, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(`${where}: cannot read ${JSON.stringify(path)} (${code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where}: ${JSON.stringify(path)} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError(`${where}: ${JSON.stringify(path)} must hold a JSON object of options`);
  }
  for (const key of Object.keys(data)) {
    if (!(NAMES as string[]).includes(key)) {
      throw new ConfigError(`${path}: unknown option ${JSON.stringify(key)} (accepted: ${NAMES.join(", ")})`);
    }
  }
  return data as Record<string, unknown>;
}

const isLoopback = (h: string) => h === "::1" || h.startsWith("127.");

/** argv and environment -> what the CLI should do, or a ConfigError. */
export function parseCli(argv: string[], env: Record<string, string | undefined>): CliRequest {
  const values = parseFlags(argv);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const config: Record<string, unknown> = Object.fromEntries(NAMES.map((n) => [n, OPTIONS[n].fallback]));

  const configPath = typeof values.config === "string" ? values.config : env.IOCP_ECHO_CONFIG;
  if (configPath !== undefined) {
    const where = typeof values.config === "string" ? "--config" : "IOCP_ECHO_CONFIG";
    const file = readConfigFile(configPath, where);
    for (const [key, raw] of Object.entries(file)) {
      config[key] = validate(key as OptionName, raw, `${configPath}: ${key}`);
    }
  }
  for (const name of NAMES) {
    const text = env[envOf(name)];
    if (text !== undefined && text !== "") config[name] = validate(name, fromText(name, text), envOf(name));
  }
  for (const name of NAMES) {
    const text = values[kebab(name)];
    if (typeof text === "string") config[name] = validate(name, fromText(name, text), flagOf(name));
  }
  const result = config as EchoConfig;
  if (!isLoopback(result.adminHost) && result.adminToken === undefined) {
    throw new ConfigError(
      `--admin-host ${result.adminHost} is not a loopback address: set --admin-token (or IOCP_ECHO_ADMIN_TOKEN) so that POST /shutdown is protected`,
    );
  }
  return { kind: "run", config: result };
}
