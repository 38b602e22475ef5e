/**
 * `iocp-echo bench` options, declared once in the command table's format
 * (src/cli/options.ts): flags alone, no environment or config file, since
 * a measurement should say on its command line what it measured.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import type { OptionTable, ValuesOf } from "../cli/options.ts";
import { SERVE_OPTIONS } from "../config.ts";
import { DATAGRAM_MAX_BYTES, DATAGRAM_MIN_BYTES } from "./datagram.ts";
import { targetProblem } from "./target.ts";

const MAX_CONNECTIONS = 50_000;
export const DEFAULT_LOSS_TIMEOUT_MS = 200;

const whole = (min: number, max: number) => z.number().int().min(min).max(max);
const seconds = (min: number, max: number) => z.number().min(min).max(max);

export const BENCH_OPTIONS = {
  target: {
    schema: z.string(),
    accepts: "HOST:PORT, where HOST is a name, an IPv4 address or an [IPv6] address in brackets",
    fallback: undefined,
    required: true,
    value: "HOST:PORT",
    help: "the echo server to measure: name:port, 10.0.0.5:6000 or [::1]:6000",
  },
  connections: {
    schema: whole(1, MAX_CONNECTIONS),
    accepts: `an integer from 1 to ${MAX_CONNECTIONS}`,
    fallback: 50,
    kind: "number",
    short: "c",
    value: "N",
    help: "connections (default 50)",
  },
  size: {
    schema: whole(1, 1 << 20),
    accepts: "a number of bytes from 1 to 1048576",
    fallback: 64,
    kind: "number",
    short: "l",
    value: "BYTES",
    help: "message size (default 64)",
  },
  duration: {
    schema: seconds(0.1, 86_400),
    accepts: "seconds from 0.1 to 86400",
    fallback: 10,
    kind: "number",
    short: "d",
    value: "S",
    help: "seconds measured, after the warmup (default 10)",
  },
  warmup: {
    schema: seconds(0, 3600),
    accepts: "seconds from 0 to 3600",
    fallback: 1,
    kind: "number",
    value: "S",
    help: "seconds run before measuring starts, once every\nconnect has completed (default 1)",
  },
  mode: {
    schema: z.enum(["pingpong", "stream"]),
    accepts: "pingpong or stream",
    fallback: "pingpong",
    value: "MODE",
    help: "pingpong: messages echoed one by one (see --pipeline);\nstream: each connection writes continuously (default pingpong)",
  },
  pipeline: {
    schema: whole(1, 1024),
    accepts: "an integer from 1 to 1024",
    fallback: 1,
    kind: "number",
    value: "K",
    help: "ping-pong messages outstanding per connection (default 1)",
  },
  rate: {
    schema: whole(0, 100_000_000),
    accepts: "messages per second from 0 (closed loop) to 100000000",
    fallback: 0,
    kind: "number",
    value: "N",
    help: "open loop: N messages/s in all, latency counted from when each\nshould have gone (default 0: closed loop)",
  },
  udp: {
    schema: z.boolean(),
    accepts: "a flag",
    fallback: false,
    kind: "boolean",
    help: "UDP: each connection is a datagram socket with --pipeline datagrams\nof --size out; loss, duplicates, reordering and jitter counted",
  },
  lossTimeout: {
    schema: whole(1, 60_000),
    accepts: "milliseconds from 1 to 60000",
    fallback: undefined,
    kind: "number",
    value: "MS",
    help: `with --udp: a datagram not echoed within this long is lost (default ${DEFAULT_LOSS_TIMEOUT_MS})`,
  },
  interval: {
    schema: seconds(0.1, 3600),
    accepts: "seconds from 0.1 to 3600",
    fallback: 1,
    kind: "number",
    short: "i",
    value: "S",
    help: "seconds between progress lines (default 1)",
  },
  json: {
    schema: z.boolean(),
    accepts: "a flag",
    fallback: false,
    kind: "boolean",
    help: "one JSON document on stdout at the end (schemaVersion 1)",
  },
  workers: {
    schema: whole(1, 256),
    accepts: "an integer from 1 to 256",
    fallback: undefined,
    kind: "number",
    value: "N",
    help: "completion-loop threads (default: CPU count, at most --connections)",
  },
  connectTimeout: {
    schema: whole(1, 600_000),
    accepts: "milliseconds from 1 to 600000",
    fallback: 5000,
    kind: "number",
    value: "MS",
    help: "give up a connect after this long (default 5000)",
  },
  // The same engines as the server, declared once in serve's table.
  backend: SERVE_OPTIONS.backend,
} satisfies OptionTable;

export type BenchValues = ValuesOf<typeof BENCH_OPTIONS>;

/** The options once checked together, defaults filled in. */
export interface BenchConfig extends Omit<BenchValues, "workers" | "lossTimeout"> {
  workers: number;
  lossTimeout: number;
}

/** What no single option can say; null when the combination is fine. */
export function benchConfigProblem(v: BenchValues): string | null {
  const target = targetProblem(v.target);
  if (target !== null) return `--target: ${target}; got ${JSON.stringify(v.target)}`;
  if (v.workers !== undefined && v.workers > v.connections)
    return `--workers: ${v.workers} is more than --connections ${v.connections}: a worker without connections measures nothing`;
  const udp = udpProblem(v);
  if (udp !== null) return udp;
  if (v.mode === "stream" && v.rate > 0) return "--rate: paces ping-pong messages; stream mode is never paced";
  if (v.mode === "stream" && v.pipeline !== 1)
    return "--pipeline: applies to ping-pong; stream mode has its own window";
  return null;
}

/** What --udp cannot be combined with. */
function udpProblem(v: BenchValues): string | null {
  if (!v.udp) return v.lossTimeout === undefined ? null : "--loss-timeout: applies to --udp runs only";
  if (v.mode === "stream")
    return "--mode: stream has no meaning with --udp (datagrams are echoed one by one; use --pipeline for more in flight)";
  if (v.size < DATAGRAM_MIN_BYTES || v.size > DATAGRAM_MAX_BYTES)
    return `--size: with --udp, from ${DATAGRAM_MIN_BYTES} (an 8-byte sequence number and 8 bytes to verify) to ${DATAGRAM_MAX_BYTES} (the largest IPv4 UDP payload); got ${v.size}`;
  return null;
}

/** Workers default to the cores, never more than the connections. */
export function withDefaults(v: BenchValues): BenchConfig {
  return {
    ...v,
    workers: v.workers ?? Math.max(1, Math.min(availableParallelism(), v.connections)),
    lossTimeout: v.lossTimeout ?? DEFAULT_LOSS_TIMEOUT_MS,
  };
}
