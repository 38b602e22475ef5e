/**
 * How busy the machine was while a load client measured: the client's core
 * (0), the server's core (1), the client and server processes, and the rest.
 * Cores come from /proc/stat, so the kernel's softirq work on loopback,
 * which Linux charges to no process, counts too. A core near 100% is what
 * limits a run; that tells a disagreement about the server from one about a
 * client, or from a machine busy with something else.
 *
 * Only the measured seconds count: both clients print a line to stderr at
 * the end of each 1 s interval of their measured time (`iocp-echo bench -i
 * 1` its progress line, c/load-uring.c "interval"), and each line is a
 * snapshot. Connecting, warming up and draining fall outside the first and
 * last snapshots, so 10,000 connects do not dilute the figures.
 */
import { readFileSync } from "node:fs";

/** % of one core over the measured interval. */
export interface RunCpu {
  clientCore: number;
  serverCore: number;
  /** The client process's own CPU (user + system), and the server's. */
  client: number;
  server: number;
  /**
   * Both cores' busy time charged to neither the client, the server nor
   * softirq: the rest of the machine (on a shared one, someone else's
   * work). Above a few % the run was disturbed.
   */
  elsewhere: number;
}

const CLK_TCK = 100;

/** utime + stime of a process, in clock ticks; 0 once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    // Fields after the ")" of comm: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

interface Snapshot {
  ms: number;
  /** Busy ticks (all but idle and iowait: io_uring waits count as iowait) of cpu0 and cpu1. */
  core0: number;
  core1: number;
  softirq: number;
  server: number;
  client: number;
}

function snapshot(serverPid: number, clientPid: number): Snapshot {
  const s: Snapshot = { ms: performance.now(), core0: 0, core1: 0, softirq: 0, server: 0, client: 0 };
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu([01]) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    const busy = f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3]! - f[4]!;
    if (m[1] === "0") s.core0 = busy;
    else s.core1 = busy;
    s.softirq += f[6]!;
  }
  s.server = cpuTicks(serverPid);
  s.client = cpuTicks(clientPid);
  return s;
}

function between(a: Snapshot, b: Snapshot): RunCpu {
  const pct = (ticks: number) => (ticks * (1000 / CLK_TCK) * 100) / (b.ms - a.ms);
  const [client, server, softirq] = [pct(b.client - a.client), pct(b.server - a.server), pct(b.softirq - a.softirq)];
  const busy = pct(b.core0 - a.core0 + b.core1 - a.core1);
  return {
    clientCore: pct(b.core0 - a.core0),
    serverCore: pct(b.core1 - a.core1),
    client,
    server,
    elsewhere: Math.max(0, busy - client - server - softirq),
  };
}

export interface ClientRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  cpu: RunCpu;
  /** Whether `cpu` covers the measured seconds (from the client's marks) rather than the whole run. */
  measured: boolean;
}

/**
 * Runs a load client to the end against the server `serverPid`; `isMark`
 * says which stderr lines end a measured interval. Without two marks (a
 * run under 2 s, or one that failed) the whole run is what is measured.
 */
export async function runClient(
  argv: string[],
  serverPid: number,
  isMark: (line: string) => boolean,
): Promise<ClientRun> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const first = snapshot(serverPid, proc.pid);
  const marks: Snapshot[] = [];
  let stderr = "";
  const readErr = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      stderr += text;
      pending += text;
      const lines = pending.split(/[\r\n]/);
      pending = lines.pop()!;
      for (const line of lines) if (isMark(line)) marks.push(snapshot(serverPid, proc.pid));
    }
  })();
  const [stdout, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited, readErr]);
  // After exit the client's own ticks are gone from /proc: the whole-run figure then comes from its rusage.
  const last = snapshot(serverPid, proc.pid);
  last.client = first.client + Math.round((Number(proc.resourceUsage()?.cpuTime.total ?? 0) / 1e6) * CLK_TCK);
  const measured = marks.length >= 2;
  const cpu = measured ? between(marks[0]!, marks[marks.length - 1]!) : between(first, last);
  return { exitCode, stdout, stderr, cpu, measured };
}
