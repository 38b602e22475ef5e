/**
 * The server's configuration: serve's option table (one zod schema per
 * option) and the rule across options. It lives here rather than in
 * src/cli/serve.ts because the server itself takes an EchoConfig; the merging
 * of flags, environment and file is src/cli/options.ts.
 */
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { LOG_FORMATS } from "./log.ts";
import { DEFAULT_UDP_RATE, MAX_UDP_RATE } from "./udp-policy.ts";
import {
  ConfigError,
  type OptionTable,
  type Parsed,
  parseOptions,
  type Sources,
  type ValuesOf,
} from "./cli/options.ts";

export { ConfigError, VERSION } from "./cli/options.ts";

const MAX_TIMEOUT_MS = 86_400_000;

const port = z.number().int().min(0).max(65535);
const host = z.string().refine((h) => isIP(h) !== 0);
const ms = z.number().int().min(0).max(MAX_TIMEOUT_MS);

/** Every option of `iocp-echo [serve]`; flags, IOCP_ECHO_* names and file keys derive from these names. */
export const SERVE_OPTIONS = {
  port: {
    schema: port,
    accepts: "an integer from 0 to 65535 (0: any free port)",
    fallback: 6000,
    kind: "number",
    value: "N",
    help: "echo port (default 6000; 0 picks a free port)",
  },
  host: {
    schema: host,
    accepts: "an IPv4 or IPv6 address such as 0.0.0.0 or ::1",
    fallback: "0.0.0.0",
    value: "ADDR",
    help: "echo address (default 0.0.0.0)",
  },
  adminPort: {
    schema: port,
    accepts: "an integer from 0 to 65535 (0: any free port)",
    fallback: 9000,
    kind: "number",
    value: "N",
    help: "admin API port (default 9000; 0 picks a free port)",
  },
  adminHost: {
    schema: host,
    accepts: "an IPv4 or IPv6 address such as 127.0.0.1",
    fallback: "127.0.0.1",
    value: "ADDR",
    help: "admin API address (default 127.0.0.1)",
  },
  workers: {
    schema: z.number().int().min(1).max(256),
    accepts: "an integer from 1 to 256",
    fallback: availableParallelism(),
    kind: "number",
    value: "N",
    help: "completion-loop threads (default: CPU count)",
  },
  bufferSize: {
    schema: z
      .number()
      .int()
      .min(64)
      .max(16 * 1024 * 1024),
    accepts: "a number of bytes from 64 to 16777216",
    fallback: 65_536,
    kind: "number",
    value: "BYTES",
    help: "ceiling of a connection's receive; sizes adapt below it, memory follows (default 65536)",
  },
  maxConnections: {
    schema: z.number().int().min(1).max(1_000_000),
    accepts: "an integer from 1 to 1000000",
    fallback: 10_000,
    kind: "number",
    value: "N",
    help: "open connections at most; more are closed at once (default 10000)",
  },
  idleTimeout: {
    schema: ms,
    accepts: `milliseconds from 0 (never) to ${MAX_TIMEOUT_MS}`,
    fallback: 0,
    kind: "number",
    value: "MS",
    help: "close a connection silent for this long (default 0: never)",
  },
  keepalive: {
    schema: ms.refine((n) => n === 0 || n >= 1000),
    accepts: `milliseconds from 1000 to ${MAX_TIMEOUT_MS}, or 0 (off)`,
    fallback: 300_000,
    kind: "number",
    value: "MS",
    help:
      "probe a connection silent this long; an unanswered peer is\n" +
      "closed, even one that vanished without a FIN (default 300000; 0: off)",
  },
  drainTimeout: {
    schema: ms,
    accepts: `milliseconds from 0 to ${MAX_TIMEOUT_MS}`,
    fallback: 5000,
    kind: "number",
    value: "MS",
    help: "on shutdown, how long open connections may finish (default 5000)",
  },
  adminToken: {
    schema: z
      .string()
      .min(8)
      .max(512)
      .regex(/^[\x21-\x7e]+$/),
    accepts: "8 to 512 printable characters without spaces",
    fallback: undefined as string | undefined,
    value: "T",
    help: 'require "Authorization: Bearer T" on POST /shutdown',
  },
  backend: {
    schema: z.enum(["auto", "iocp", "io_uring"]),
    accepts: "one of auto, iocp, io_uring",
    fallback: "auto",
    value: "NAME",
    help: "auto, iocp or io_uring (default auto)",
  },
  udp: {
    schema: z.boolean(),
    accepts: "true or false",
    fallback: false,
    kind: "boolean",
    help: "also echo UDP datagrams on the same host and port (RFC 862)",
  },
  udpRate: {
    schema: z.number().int().min(0).max(MAX_UDP_RATE),
    accepts: `an integer from 0 (no cap) to ${MAX_UDP_RATE}`,
    fallback: DEFAULT_UDP_RATE,
    kind: "number",
    value: "N",
    help: `UDP datagrams answered per second per source address (default ${DEFAULT_UDP_RATE}; 0: no cap)`,
  },
  logLevel: {
    schema: z.enum(["error", "warn", "info", "debug"]),
    accepts: "one of error, warn, info, debug",
    fallback: "info",
    value: "LEVEL",
    help: "error, warn, info or debug (default info)",
  },
  logFormat: {
    schema: z.enum(LOG_FORMATS),
    accepts: "one of text, json",
    fallback: "text",
    value: "FORMAT",
    help: "text, or json: one JSON object per stderr line (default text)",
  },
} as const satisfies OptionTable;

export type EchoConfig = ValuesOf<typeof SERVE_OPTIONS>;

/** Where `iocp-echo serve` reads its options: every source. */
export const SERVE_SOURCES = (env: Record<string, string | undefined>): Sources => ({ env, configFile: true });

const isLoopback = (h: string) => h === "::1" || h.startsWith("127.");

/** The rule across options, for any caller holding a merged EchoConfig (serve, service install). */
export function checkServeConfig(config: EchoConfig): EchoConfig {
  if (!isLoopback(config.adminHost) && config.adminToken === undefined) {
    throw new ConfigError(
      `--admin-host ${config.adminHost} is not a loopback address: ` +
        "set --admin-token (or IOCP_ECHO_ADMIN_TOKEN) so that POST /shutdown is protected",
    );
  }
  return config;
}

/**
 * serve's arguments -> what to do, or a ConfigError. `sources` picks the
 * layers under the flags: SERVE_SOURCES(process.env) for the server itself,
 * `{}` for flags alone (`service install` validating options to write to a file).
 */
export function parseServeArgs(argv: string[], sources: Sources): Parsed<typeof SERVE_OPTIONS> {
  const parsed = parseOptions(SERVE_OPTIONS, argv, sources);
  if (parsed.kind === "run") checkServeConfig(parsed.values);
  return parsed;
}
