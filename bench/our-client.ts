/**
 * `iocp-echo bench` as the load client, run beside the C one (c/load-uring.c)
 * against the same server: the two must agree on messages/s (within 10%)
 * and on the verdict, or one of them is measuring itself. Each client's run
 * also records how busy the machine was (client-cpu.ts), which is what the
 * table uses to say what limited a run that disagrees.
 */
import { join } from "node:path";
import { type RunCpu, runClient } from "./client-cpu.ts";

export interface ClientSample {
  msgsPerSec: number;
  problems: number;
  /** The report's non-zero error kinds, e.g. "stall 3, reset 1"; empty when none. */
  problemKinds: string;
  cpu: RunCpu;
}

/** One run of our client (the compiled binary, one worker) pinned to core 0, like the C client. */
export async function runOurClient(
  serverPid: number,
  binary: string,
  port: number,
  scenario: { mode: "pingpong" | "stream"; size: number; conns: number },
  seconds: number,
  warmup: number,
  /** Where a run that saw problems leaves its report. */
  keepProblemsIn: string,
): Promise<ClientSample> {
  const argv = [
    ...["taskset", "-c", "0", binary, "bench", "--target", `127.0.0.1:${port}`, "--json", "--workers", "1"],
    ...["--mode", scenario.mode, "-l", String(scenario.size), "-c", String(scenario.conns)],
    // -i 1: a progress line at the end of each measured second, on which client-cpu.ts samples the machine.
    ...["-d", String(seconds), "--warmup", String(warmup), "-i", "1"],
  ];
  // A progress line on a pipe: "[   1.0 s]  ... msg/s ...".
  const run = await runClient(argv, serverPid, (line) => line.startsWith("["));
  if (run.stdout === "") throw new Error(`iocp-echo bench failed (exit ${run.exitCode}): ${run.stderr}`);
  const r = JSON.parse(run.stdout) as OurReport;
  const { total: problems, text } = describeProblems(r);
  let problemKinds = text;
  if (problems > 0) {
    // The run is not repeated: its whole report is what there is to go on.
    const saved = join(keepProblemsIn, `iocp-echo-bench-problem-${r.startedAt.replace(/[:.]/g, "-")}.json`);
    await Bun.write(saved, `${run.stdout}\n${run.stderr}`);
    problemKinds += ` (report and stderr kept in ${saved})`;
  }
  return { msgsPerSec: r.throughput.messagesPerSec, problems, problemKinds, cpu: run.cpu };
}

/** What runOurClient reads of `iocp-echo bench --json`. */
export interface OurReport {
  startedAt: string;
  throughput: { messagesPerSec: number };
  errors: Record<string, number>;
  intervals: { errors: number }[];
}

/**
 * The report's errors: their total, and in words its non-zero kinds, e.g.
 * "stall 3, reset 1", with how many of the errors came outside the measured
 * intervals (while connecting, in the warmup or the drain): a burst of them
 * there is a different story from one in the middle of the measured time.
 */
export function describeProblems(r: OurReport): { total: number; text: string } {
  const kinds = Object.entries(r.errors).filter(([, n]) => n > 0);
  const total = kinds.reduce((n, [, k]) => n + k, 0);
  if (total === 0) return { total, text: "" };
  const outside = total - r.intervals.reduce((n, i) => n + i.errors, 0);
  const list = kinds.map(([kind, n]) => `${kind} ${n}`).join(", ");
  return { total, text: outside > 0 ? `${list}; ${outside} of the ${total} outside the measured seconds` : list };
}

export interface AgreementRow {
  scenario: string;
  server: string;
  /** Medians of each client's messages/s over the rounds. */
  c: number;
  ours: number;
  /**
   * The median over the rounds of sandwichRatio: ours against the two C runs
   * on either side of it, on the same server process, so a machine that is
   * slower in one round than another moves both sides of the ratio.
   */
  ratio: number;
  /** The median over the rounds of the second C run against the first: the machine's own disagreement. */
  selfRatio: number;
  cProblems: number;
  ourProblems: number;
  /** Each client's run: how busy the cores were (medians). */
  cCpu: RunCpu;
  ourCpu: RunCpu;
}

/**
 * Our client's messages/s against the C client's runs just before and just
 * after it, by their geometric mean: a machine whose speed drifts steadily
 * over the three runs moves both sides alike.
 */
export function sandwichRatio(before: number, ours: number, after: number): number {
  return before > 0 && after > 0 ? ours / Math.sqrt(before * after) : Number.NaN;
}

/**
 * Within 10%, the bound the issue sets for the two clients, judged on the
 * two decimals the table shows (|1.1 - 1| is a hair above 0.1 in doubles).
 */
export function within10(ratio: number): boolean {
  const shown = Math.round(ratio * 100) / 100;
  return shown >= 0.9 && shown <= 1.1;
}

/** A core this busy (% of it) is taken to be what limits the run. */
export const SATURATED_PCT = 90;
/** CPU the rest of the machine took during a run, beyond which the run says little. */
export const DISTURBED_PCT = 10;

/**
 * What limited the slower client's run, from how busy the cores were: its
 * own core full and the server's not is that client measuring itself; the
 * server's full and the client's not is the server; both full, the two
 * sides are at parity and cannot be told apart; neither full, the run was
 * limited by waiting (latency, window) or the machine was busy elsewhere.
 */
export function limitOf(r: AgreementRow): string {
  const [slow, cpu] = r.ratio < 1 ? ["ours", r.ourCpu] : ["C", r.cCpu];
  const client = cpu.clientCore >= SATURATED_PCT;
  const server = cpu.serverCore >= SATURATED_PCT;
  if (cpu.elsewhere >= DISTURBED_PCT) return `machine busy elsewhere (${pct(cpu.elsewhere)}, ${slow} run)`;
  if (client && !server) return `${slow} client`;
  if (server && !client) return `server (${slow} run)`;
  if (client && server) return `both cores (${slow} run)`;
  return `neither core (${slow} run)`;
}

const pct = (x: number) => `${Math.round(x)}%`;
/** Client core / server core busy, the client process's own share, and the rest of the machine. */
const cores = (c: RunCpu) =>
  `${pct(c.clientCore)} / ${pct(c.serverCore)} (${pct(c.client)}); elsewhere ${pct(c.elsewhere)}`;

/** Both clients saw problems, or neither did. */
const sameVerdict = (r: AgreementRow) => (r.cProblems === 0) === (r.ourProblems === 0);

/** The table's count, for the line above it: how many rows agree, and how many the C client agreed with itself in. */
export function agreementSummary(rows: AgreementRow[]): string {
  const count = (ok: (r: AgreementRow) => boolean) => rows.filter(ok).length;
  const verdicts = count(sameVerdict);
  return `Ours within 10% of the C client in ${count((r) => within10(r.ratio))} of ${rows.length} rows, with the same verdict in ${verdicts}; the C client within 10% of itself in ${count((r) => within10(r.selfRatio))}.`;
}

/** The agreement table: one row per scenario and server, from medians. */
export function agreementRows(rows: AgreementRow[]): string[] {
  const lines = [
    "| scenario | server | C client msgs/s | iocp-echo bench msgs/s | ratio | within 10% | same verdict | C again / C | C within 10% of itself | C run: cores busy, client / server (client process); rest of the machine | ours run: the same | limit of the slower run |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const ratio = r.ratio;
    const agree = within10(ratio);
    const verdict = sameVerdict(r);
    lines.push(
      `| ${r.scenario} | ${r.server} | ${Math.round(r.c)} | ${Math.round(r.ours)} | ${ratio.toFixed(2)} | ${agree ? "yes" : "**no**"} | ${verdict ? "yes" : "**no**"} | ${r.selfRatio.toFixed(2)} | ${within10(r.selfRatio) ? "yes" : "**no**"} | ${cores(r.cCpu)} | ${cores(r.ourCpu)} | ${agree ? "-" : limitOf(r)} |`,
    );
  }
  return lines;
}

export const OUR_BINARY = join(import.meta.dir, "..", "dist", "iocp-echo");
