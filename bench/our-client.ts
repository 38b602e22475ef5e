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
  const r = JSON.parse(run.stdout) as { throughput: { messagesPerSec: number }; errors: Record<string, number> };
  return {
    msgsPerSec: r.throughput.messagesPerSec,
    problems: Object.values(r.errors).reduce((a, b) => a + b, 0),
    problemKinds: Object.entries(r.errors)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(", "),
    cpu: run.cpu,
  };
}

export interface AgreementRow {
  scenario: string;
  server: string;
  /** Medians of each client's messages/s over the rounds. */
  c: number;
  ours: number;
  /**
   * The median over the rounds of ours / C within a round: each such pair
   * ran back to back on the same server process, so a machine that is
   * slower in one round than another moves both halves of the ratio.
   */
  ratio: number;
  cProblems: number;
  ourProblems: number;
  /** Each client's run: how busy the cores were (medians). */
  cCpu: RunCpu;
  ourCpu: RunCpu;
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

/** The agreement table: one row per scenario and server, from medians. */
export function agreementRows(rows: AgreementRow[]): string[] {
  const lines = [
    "| scenario | server | C client msgs/s | iocp-echo bench msgs/s | ratio | within 10% | same verdict | C run: cores busy, client / server (client process); rest of the machine | ours run: the same | limit of the slower run |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const ratio = r.ratio;
    const agree = Math.abs(ratio - 1) <= 0.1;
    const verdict = (r.cProblems === 0) === (r.ourProblems === 0);
    lines.push(
      `| ${r.scenario} | ${r.server} | ${Math.round(r.c)} | ${Math.round(r.ours)} | ${ratio.toFixed(2)} | ${agree ? "yes" : "**no**"} | ${verdict ? "yes" : "**no**"} | ${cores(r.cCpu)} | ${cores(r.ourCpu)} | ${agree ? "-" : limitOf(r)} |`,
    );
  }
  return lines;
}

export const OUR_BINARY = join(import.meta.dir, "..", "dist", "iocp-echo");
