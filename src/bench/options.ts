/**
 * `iocp-echo bench` options: each declared once with its schema, the words
 * that say what it accepts and its default; a refused value is reported by
 * name with what is accepted (exit 2), in `serve`'s style.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import { targetProblem } from "./target.ts";

const MAX_CONNECTIONS = 50_000;

const whole = (min: number, max: number) => z.number().int().min(min).max(max);
const seconds = (min: number, max: number) => z.number().min(min).max(max);

export const BENCH_OPTIONS = {
  target: {
    schema: z.string().superRefine((t, ctx) => {
      const problem = targetProblem(t);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    }),
    accepts: "HOST:PORT (a name, an IPv4 address or [IPv6]:PORT)",
    fallback: undefined as string | undefined,
  },
  connections: {
    schema: whole(1, MAX_CONNECTIONS),
    short: "c",
    accepts: `an integer from 1 to ${MAX_CONNECTIONS}`,
    fallback: 50,
  },
  size: { schema: whole(1, 1 << 20), short: "l", accepts: "a number of bytes from 1 to 1048576", fallback: 64 },
  duration: { schema: seconds(0.1, 86_400), short: "d", accepts: "seconds from 0.1 to 86400", fallback: 10 },
  warmup: { schema: seconds(0, 3600), accepts: "seconds from 0 to 3600", fallback: 1 },
  mode: { schema: z.enum(["pingpong", "stream"]), accepts: "pingpong or stream", fallback: "pingpong" },
  pipeline: { schema: whole(1, 1024), accepts: "an integer from 1 to 1024", fallback: 1 },
  rate: {
    schema: whole(0, 100_000_000),
    accepts: "messages per second from 0 (closed loop) to 100000000",
    fallback: 0,
  },
  interval: { schema: seconds(0.1, 3600), short: "i", accepts: "seconds from 0.1 to 3600", fallback: 1 },
  workers: {
    schema: whole(1, 256),
    accepts: "an integer from 1 to 256",
    fallback: undefined as number | undefined,
  },
  connectTimeout: { schema: whole(1, 600_000), accepts: "milliseconds from 1 to 600000", fallback: 5000 },
  backend: { schema: z.enum(["auto", "iocp", "io_uring"]), accepts: "one of auto, iocp, io_uring", fallback: "auto" },
  json: { schema: z.boolean(), accepts: "a flag", fallback: false, flag: true },
} as const;

export type BenchOptionName = keyof typeof BENCH_OPTIONS;

export interface BenchConfig {
  target: string;
  connections: number;
  size: number;
  duration: number;
  warmup: number;
  mode: "pingpong" | "stream";
  pipeline: number;
  rate: number;
  interval: number;
  workers: number;
  connectTimeout: number;
  backend: "auto" | "iocp" | "io_uring";
  json: boolean;
}

/** Workers default to the cores, and never exceed the connections (an idle worker measures nothing). */
export function defaultWorkers(connections: number): number {
  return Math.max(1, Math.min(availableParallelism(), connections));
}

/** Checks a whole configuration once each value is valid: what no single option can say. */
export function benchConfigProblem(c: BenchConfig): string | null {
  if (c.target === "") return "--target: required: the echo server to measure, as HOST:PORT";
  if (c.workers > c.connections) return `--workers: ${c.workers} is more than --connections ${c.connections}`;
  if (c.mode === "stream" && c.rate > 0) return "--rate: paces ping-pong messages; stream mode is never paced";
  return null;
}

export const BENCH_HELP = `Usage: iocp-echo bench --target HOST:PORT [options]

Measures an echo server: connects, sends a pseudo-random stream on each
connection, checks every byte that comes back, and reports throughput,
latency percentiles and errors by kind. Exit 0 clean, 1 errors or wrong
echoes, 2 bad arguments.

  --target HOST:PORT      the echo server (a name, IPv4, or [IPv6]:PORT)
  -c, --connections N     connections (default 50)
  -l, --size BYTES        message size (default 64)
  -d, --duration S        measured seconds (default 10)
  --warmup S              seconds before measuring starts (default 1)
  --mode pingpong|stream  ping-pong messages, or a continuous stream (default pingpong)
  --pipeline K            ping-pong messages outstanding per connection (default 1)
  --rate N                open loop: N messages/s in total, latency from the
                          intended send time (default 0: closed loop)
  -i, --interval S        seconds between progress lines (default 1)
  --workers N             completion-loop threads (default: CPU count, at most -c)
  --connect-timeout MS    give up a connect after this long (default 5000)
  --backend NAME          auto, iocp or io_uring (default auto)
  --json                  one JSON document on stdout at the end (schemaVersion 1)
  --help
`;
