/**
 * `iocp-echo bench` as the load client, run beside the C one (c/load-uring.c)
 * against the same server: the two must agree on messages/s (within 10%)
 * and on the verdict, or one of them is measuring itself. Each client's run
 * also records how busy each core was (the client's is core 0, the
 * server's core 1; from /proc/stat, so the kernel's softirq work on
 * loopback, which Linux does not charge to any process, counts too): a core
 * near 100% is what limits the run, which is what tells a disagreement
 * about the server from one about a client, or from a machine that was
 * busy with something else.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** How busy the two cores were over one client run, in % of a core. */
export interface RunCpu {
  clientCore: number;
  serverCore: number;
  /** The client process's own CPU (user + system, start-up included). */
  client: number;
  /**
   * Both cores' busy time charged to neither the client, the server nor
   * softirq: the rest of the machine (on a shared one, someone else's
   * work). Above a few % the run was disturbed.
   */
  elsewhere: number;
}

/** Busy jiffies of cpu0 and cpu1 (everything but idle and iowait: io_uring waits count as iowait), and their softirq. */
function coreTicks(): { busy: [number, number]; softirq: number } {
  const busy: [number, number] = [0, 0];
  let softirq = 0;
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu([01]) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    busy[Number(m[1])] = f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3]! - f[4]!;
    softirq += f[6]!;
  }
  return { busy, softirq };
}

const CLK_TCK = 100;

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number {
  // Fields after the ")" of comm: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Runs one client (spawned synchronously) against `serverPid`, returning its result and how busy the cores were meanwhile. */
export function withCpu<T>(serverPid: number, run: () => { result: T; cpuUs: number }): { result: T; cpu: RunCpu } {
  const [before, serverBefore, wall] = [coreTicks(), cpuTicks(serverPid), performance.now()];
  const { result, cpuUs } = run();
  const [after, serverAfter, ms] = [coreTicks(), cpuTicks(serverPid), performance.now() - wall];
  const pct = (ticks: number) => (ticks * (1000 / CLK_TCK) * 100) / ms;
  const client = (cpuUs / 1000 / ms) * 100;
  const busy = pct(after.busy[0] - before.busy[0] + after.busy[1] - before.busy[1]);
  const accounted = client + pct(serverAfter - serverBefore) + pct(after.softirq - before.softirq);
  return {
    result,
    cpu: {
      clientCore: pct(after.busy[0] - before.busy[0]),
      serverCore: pct(after.busy[1] - before.busy[1]),
      client,
      elsewhere: Math.max(0, busy - accounted),
    },
  };
}

export interface ClientSample {
  msgsPerSec: number;
  problems: number;
  cpu: RunCpu;
}

/** One run of our client (the compiled binary, one worker) pinned to core 0, like the C client. */
export function runOurClient(
  serverPid: number,
  binary: string,
  port: number,
  scenario: { mode: "pingpong" | "stream"; size: number; conns: number },
  seconds: number,
  warmup: number,
): ClientSample {
  const argv = [
    ...["taskset", "-c", "0", binary, "bench", "--target", `127.0.0.1:${port}`, "--json", "--workers", "1"],
    ...["--mode", scenario.mode, "-l", String(scenario.size), "-c", String(scenario.conns)],
    ...["-d", String(seconds), "--warmup", String(warmup), "-i", String(seconds)],
  ];
  const { result: p, cpu } = withCpu(serverPid, () => {
    const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
    return { result: p, cpuUs: Number(p.resourceUsage.cpuTime.total) };
  });
  const text = p.stdout.toString();
  if (text === "") throw new Error(`iocp-echo bench failed (exit ${p.exitCode}): ${p.stderr.toString()}`);
  const r = JSON.parse(text) as { throughput: { messagesPerSec: number }; errors: Record<string, number> };
  return {
    msgsPerSec: r.throughput.messagesPerSec,
    problems: Object.values(r.errors).reduce((a, b) => a + b, 0),
    cpu,
  };
}

export interface AgreementRow {
  scenario: string;
  server: string;
  c: number;
  ours: number;
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
  const [slow, cpu] = r.ours < r.c ? ["ours", r.ourCpu] : ["C", r.cCpu];
  const client = cpu.clientCore >= SATURATED_PCT;
  const server = cpu.serverCore >= SATURATED_PCT;
  if (cpu.elsewhere >= DISTURBED_PCT) return `machine busy elsewhere (${pct(cpu.elsewhere)}, ${slow} run)`;
  if (client && !server) return `${slow} client`;
  if (server && !client) return `server (${slow} run)`;
  if (client && server) return `both cores (${slow} run)`;
  return `neither core (${slow} run)`;
}

const pct = (x: number) => `${Math.round(x)}%`;
/** Client core / server core busy, and (the client process's own share). */
const cores = (c: RunCpu) =>
  `${pct(c.clientCore)} / ${pct(c.serverCore)} (${pct(c.client)}); elsewhere ${pct(c.elsewhere)}`;

/** The agreement table: one row per scenario and server, from medians. */
export function agreementRows(rows: AgreementRow[]): string[] {
  const lines = [
    "| scenario | server | C client msgs/s | iocp-echo bench msgs/s | ratio | within 10% | same verdict | C run: cores busy, client / server (client process); rest of the machine | ours run: the same | limit of the slower run |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const ratio = r.c > 0 ? r.ours / r.c : Number.NaN;
    const agree = Math.abs(ratio - 1) <= 0.1;
    const verdict = (r.cProblems === 0) === (r.ourProblems === 0);
    lines.push(
      `| ${r.scenario} | ${r.server} | ${Math.round(r.c)} | ${Math.round(r.ours)} | ${ratio.toFixed(2)} | ${agree ? "yes" : "**no**"} | ${verdict ? "yes" : "**no**"} | ${cores(r.cCpu)} | ${cores(r.ourCpu)} | ${agree ? "-" : limitOf(r)} |`,
    );
  }
  return lines;
}

export const OUR_BINARY = join(import.meta.dir, "..", "dist", "iocp-echo");
