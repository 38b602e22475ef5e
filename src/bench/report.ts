/**
 * The end-of-run report: one JSON document (`--json`, schemaVersion 1, the
 * shape documented in the README's "Measure a path") or the same figures as
 * text. Throughput counts echoed, verified payload only; MB are 10^6 bytes.
 */
import type { Aggregator, IntervalSample } from "./aggregate.ts";
import { ERROR_KIND_NAMES, ERROR_KINDS, type ErrorKind } from "./errors.ts";
import { percentiles, type Percentiles } from "./histogram.ts";
import type { DoneReport, UdpTotals } from "./protocol.ts";

export const SCHEMA_VERSION = 1;
/**
 * A worker thread this busy or busier (% of one core, over the measured time)
 * hardly ever waited for the target: the figures may be the client's limit.
 */
export const CLIENT_BUSY_PERCENT = 85;

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
    /** Whether this was a `--udp` run; then `lossTimeoutMs` is its loss timeout (null otherwise). */
    udp: boolean;
    lossTimeoutMs: number | null;
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
  /** With --udp, datagram counts over the whole run; null for TCP. */
  udp: UdpSummary | null;
  errors: Record<ErrorKind, number>;
  cpu: {
    userS: number;
    systemS: number;
    percentOfOneCore: number;
    /** The worker threads' own CPU over the measured time, % of one core each: the busiest and the mean. */
    workerBusyPercent: { busiest: number; mean: number } | null;
  };
  intervals: IntervalSample[];
}

export interface UdpSummary {
  sent: number;
  received: number;
  lost: number;
  /** lost / sent, in percent. */
  lossPercent: number;
  late: number;
  duplicate: number;
  reordered: number;
  wrong: number;
  /** RFC 3550 jitter of the round trips: the mean over sockets, and the largest. */
  jitterUs: { mean: number; max: number };
}

function udpSummary(done: DoneReport[]): UdpSummary | null {
  const all = done.map((d) => d.udp).filter((u) => u !== null);
  if (all.length === 0) return null;
  const sum = (pick: (u: UdpTotals) => number) => all.reduce((s, u) => s + pick(u), 0);
  const sent = sum((u) => u.sent);
  const sockets = sum((u) => u.jitterSockets);
  return {
    sent,
    received: sum((u) => u.received),
    lost: sum((u) => u.lost),
    lossPercent: sent > 0 ? round((100 * sum((u) => u.lost)) / sent, 3) : 0,
    late: sum((u) => u.late),
    duplicate: sum((u) => u.duplicate),
    reordered: sum((u) => u.reordered),
    wrong: sum((u) => u.wrong),
    jitterUs: {
      mean: sockets > 0 ? round(sum((u) => u.jitterSumUs) / sockets, 1) : 0,
      max: round(Math.max(0, ...all.map((u) => u.maxJitterUs)), 1),
    },
  };
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
    udp: udpSummary(agg.done),
    errors,
    cpu: {
      userS: round(facts.cpu.userS, 3),
      systemS: round(facts.cpu.systemS, 3),
      percentOfOneCore: facts.wallS > 0 ? round((100 * cpuS) / facts.wallS, 1) : 0,
      workerBusyPercent: agg.workersBusy(),
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
  const shape = c.udp
    ? `UDP ping-pong, ${c.size} B datagrams, pipeline ${c.pipeline}, loss after ${c.lossTimeoutMs} ms`
    : c.mode === "stream"
      ? `stream, ${c.size} B units`
      : `ping-pong, ${c.size} B messages, pipeline ${c.pipeline}`;
  const paced = c.rate > 0 ? `, open loop at ${c.rate} msg/s` : "";
  const lines = [
    `target     ${r.target.host}:${r.target.port} (${r.target.address}), ${r.backend}, ${c.workers} worker${c.workers === 1 ? "" : "s"}`,
    `run        ${c.connections} ${c.udp ? "sockets" : "connections"}, ${shape}${paced}, ${r.measuredS} s measured after ${c.warmupS} s warmup`,
    `throughput ${r.throughput.messagesPerSec.toFixed(0)} msg/s, ${r.throughput.mbPerSec.toFixed(2)} MB/s, ${r.throughput.mbitPerSec.toFixed(1)} Mbit/s (${r.throughput.messages} messages)`,
    `latency    p50 ${ms(r.latencyUs.p50)} ms  p90 ${ms(r.latencyUs.p90)} ms  p99 ${ms(r.latencyUs.p99)} ms  p99.9 ${ms(r.latencyUs.p999)} ms  max ${ms(r.latencyUs.max)} ms`,
    `connect    ${r.connections.established}/${r.connections.attempted} established; p50 ${ms(r.connectUs.p50)} ms  p99 ${ms(r.connectUs.p99)} ms  max ${ms(r.connectUs.max)} ms`,
    `cpu        ${r.cpu.userS.toFixed(2)} s user, ${r.cpu.systemS.toFixed(2)} s system (${r.cpu.percentOfOneCore}% of one core)${workersBusy(r)}`,
  ];
  const busiest = r.cpu.workerBusyPercent?.busiest ?? 0;
  if (busiest >= CLIENT_BUSY_PERCENT)
    lines.push(
      `limit      a worker thread was ${busiest}% busy: these figures may be this client's limit, not the target's (more --workers or cores would tell)`,
    );
  const u = r.udp;
  if (u !== null)
    lines.push(
      `udp        ${u.sent} sent, ${u.received} received, ${u.lost} lost (${u.lossPercent}%), ${u.late} late, ${u.duplicate} duplicate, ${u.reordered} reordered; jitter ${ms(u.jitterUs.mean)} ms (max ${ms(u.jitterUs.max)} ms)`,
    );
  const errors = ERROR_KIND_NAMES.filter((k) => r.errors[k] > 0);
  if (errors.length === 0) lines.push("errors     none: every byte came back as sent");
  else for (const k of errors) lines.push(`error      ${r.errors[k]} x ${k}: ${ERROR_KINDS[k]}`);
  return `${lines.join("\n")}\n`;
}

function workersBusy(r: BenchReport): string {
  const w = r.cpu.workerBusyPercent;
  if (w === null) return "";
  return r.config.workers === 1
    ? `; the worker thread ${w.busiest}% busy`
    : `; worker threads ${w.mean}% busy on average, the busiest ${w.busiest}%`;
}

/** The exit code a finished run stands for: 0 clean, 1 errors or wrong echoes, or a target that accepted nothing. */
export function exitCodeOf(r: BenchReport): 0 | 1 {
  return r.verdict === "clean" && unreachableVerdict(r) === null ? 0 : 1;
}

/**
 * The one line for a target that refused every connection, or null. Said
 * once instead of a report full of zeros.
 */
export function unreachableVerdict(r: BenchReport): string | null {
  const kinds = () =>
    ERROR_KIND_NAMES.filter((k) => r.errors[k] > 0)
      .map((k) => `${r.errors[k]} ${ERROR_KINDS[k]}`)
      .join(", ");
  const where = `${r.target.host}:${r.target.port} (${r.target.address})`;
  // A datagram socket "connects" without a packet: its target refuses through ICMP, on the first receive.
  if (r.udp !== null && r.udp.received === 0 && r.udp.sent > 0 && r.errors.refused > 0)
    return `${where} answered none of ${r.udp.sent} datagrams: ${kinds()}`;
  if (r.connections.established > 0 || r.connections.attempted === 0) return null;
  return `${where} accepted none of ${r.connections.attempted} connections: ${kinds()}`;
}
