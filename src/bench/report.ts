/**
 * The end-of-run report: one JSON document (`--json`, schemaVersion 1, the
 * shape documented in the README's "Measure a path") or the same figures as
 * text. Throughput counts echoed, verified payload only; MB are 10^6 bytes.
 */
import type { Aggregator, IntervalSample } from "./aggregate.ts";
import { ERROR_KIND_NAMES, ERROR_KINDS, type ErrorKind } from "./errors.ts";
import { percentiles, type Percentiles } from "./histogram.ts";

export const SCHEMA_VERSION = 1;

export interface RunFacts {
  target: { host: string; port: number; address: string };
  backend: string;
  config: {
    mode: "pingpong" | "stream";
    connections: number;
    size: number;
    durationS: number;
    warmupS: number;
    pipeline: number;
    rate: number;
    workers: number;
    intervalS: number;
    connectTimeoutMs: number;
  };
  startedAt: string;
  /** CPU seconds this process used during the run (all threads). */
  cpu: { userS: number; systemS: number };
  wallS: number;
}

export interface BenchReport {
  schemaVersion: number;
  verdict: "clean" | "errors";
  target: RunFacts["target"];
  backend: string;
  config: RunFacts["config"];
  startedAt: string;
  measuredS: number;
  throughput: { messages: number; bytes: number; messagesPerSec: number; mbPerSec: number; mbitPerSec: number };
  latencyUs: Percentiles;
  connectUs: Percentiles;
  connections: { attempted: number; established: number; failed: number };
  totals: { sentBytes: number; receivedBytes: number; sentMessages: number };
  errors: Record<ErrorKind, number>;
  cpu: { userS: number; systemS: number; percentOfOneCore: number };
  intervals: IntervalSample[];
}

export function buildReport(facts: RunFacts, agg: Aggregator): BenchReport {
  const sum = (pick: (d: Aggregator["done"][number]) => number) => agg.done.reduce((s, d) => s + pick(d), 0);
  const seconds = agg.measuredS;
  const rate = (n: number) => (seconds > 0 ? n / seconds : 0);
  const errors = agg.allErrors();
  const attempted = sum((d) => d.attempted);
  const established = sum((d) => d.established);
  const cpuS = facts.cpu.userS + facts.cpu.systemS;
  return {
    schemaVersion: SCHEMA_VERSION,
    verdict: ERROR_KIND_NAMES.some((k) => errors[k] > 0) ? "errors" : "clean",
    target: facts.target,
    backend: facts.backend,
    config: facts.config,
    startedAt: facts.startedAt,
    measuredS: round(seconds, 3),
    throughput: {
      messages: agg.measured.messages,
      bytes: agg.measured.bytes,
      messagesPerSec: round(rate(agg.measured.messages), 1),
      mbPerSec: round(rate(agg.measured.bytes) / 1e6, 3),
      mbitPerSec: round((rate(agg.measured.bytes) * 8) / 1e6, 3),
    },
    latencyUs: percentiles(agg.latency),
    connectUs: percentiles(agg.connect),
    connections: { attempted, established, failed: attempted - established },
    totals: {
      sentBytes: sum((d) => d.sentBytes),
      receivedBytes: sum((d) => d.receivedBytes),
      sentMessages: sum((d) => d.sentMessages),
    },
    errors,
    cpu: {
      userS: round(facts.cpu.userS, 3),
      systemS: round(facts.cpu.systemS, 3),
      percentOfOneCore: facts.wallS > 0 ? round((100 * cpuS) / facts.wallS, 1) : 0,
    },
    intervals: agg.intervals,
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const ms = (us: number) => (us / 1000).toFixed(3);

/** The text report, for people. */
export function formatReport(r: BenchReport): string {
  const c = r.config;
  const shape =
    c.mode === "stream" ? `stream, ${c.size} B units` : `ping-pong, ${c.size} B messages, pipeline ${c.pipeline}`;
  const paced = c.rate > 0 ? `, open loop at ${c.rate} msg/s` : "";
  const lines = [
    `target     ${r.target.host}:${r.target.port} (${r.target.address}), ${r.backend}, ${c.workers} worker${c.workers === 1 ? "" : "s"}`,
    `run        ${c.connections} connections, ${shape}${paced}, ${r.measuredS} s measured after ${c.warmupS} s warmup`,
    `throughput ${r.throughput.messagesPerSec.toFixed(0)} msg/s, ${r.throughput.mbPerSec.toFixed(2)} MB/s, ${r.throughput.mbitPerSec.toFixed(1)} Mbit/s (${r.throughput.messages} messages)`,
    `latency    p50 ${ms(r.latencyUs.p50)} ms  p90 ${ms(r.latencyUs.p90)} ms  p99 ${ms(r.latencyUs.p99)} ms  p99.9 ${ms(r.latencyUs.p999)} ms  max ${ms(r.latencyUs.max)} ms`,
    `connect    ${r.connections.established}/${r.connections.attempted} established; p50 ${ms(r.connectUs.p50)} ms  p99 ${ms(r.connectUs.p99)} ms  max ${ms(r.connectUs.max)} ms`,
    `cpu        ${r.cpu.userS.toFixed(2)} s user, ${r.cpu.systemS.toFixed(2)} s system (${r.cpu.percentOfOneCore}% of one core)`,
  ];
  const errors = ERROR_KIND_NAMES.filter((k) => r.errors[k] > 0);
  if (errors.length === 0) lines.push("errors     none: every byte came back as sent");
  else for (const k of errors) lines.push(`error      ${r.errors[k]} x ${k}: ${ERROR_KINDS[k]}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The one line for a target that refused every connection, or null. Said
 * once instead of a report full of zeros.
 */
export function unreachableVerdict(r: BenchReport): string | null {
  if (r.connections.established > 0 || r.connections.attempted === 0) return null;
  const kinds = ERROR_KIND_NAMES.filter((k) => r.errors[k] > 0).map((k) => `${r.errors[k]} ${ERROR_KINDS[k]}`);
  return `${r.target.host}:${r.target.port} (${r.target.address}) accepted none of ${r.connections.attempted} connections: ${kinds.join(", ")}`;
}
