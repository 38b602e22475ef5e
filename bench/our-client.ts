/**
 * `iocp-echo bench` as the load client, run beside the C one (c/load.c)
 * against the same server: the two must agree on messages/s (within 10%)
 * and on the verdict, or one of them is measuring itself.
 */
import { join } from "node:path";

export interface ClientSample {
  msgsPerSec: number;
  problems: number;
}

/** One run of our client (the compiled binary, one worker) pinned to core 0, like the C client. */
export function runOurClient(
  binary: string,
  port: number,
  scenario: { mode: "pingpong" | "stream"; size: number; conns: number },
  seconds: number,
): ClientSample {
  const argv = [
    ...["taskset", "-c", "0", binary, "bench", "--target", `127.0.0.1:${port}`, "--json", "--workers", "1"],
    ...["--mode", scenario.mode, "-l", String(scenario.size), "-c", String(scenario.conns)],
    ...["-d", String(seconds), "--warmup", "0", "-i", String(seconds)],
  ];
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  const text = p.stdout.toString();
  if (text === "") throw new Error(`iocp-echo bench failed (exit ${p.exitCode}): ${p.stderr.toString()}`);
  const r = JSON.parse(text) as { throughput: { messagesPerSec: number }; errors: Record<string, number> };
  return {
    msgsPerSec: r.throughput.messagesPerSec,
    problems: Object.values(r.errors).reduce((a, b) => a + b, 0),
  };
}

/** The agreement table: one row per scenario and server, from medians. */
export function agreementRows(
  rows: { scenario: string; server: string; c: number; ours: number; cProblems: number; ourProblems: number }[],
): string[] {
  const lines = [
    "| scenario | server | C client msgs/s | iocp-echo bench msgs/s | ratio | within 10% | same verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const ratio = r.c > 0 ? r.ours / r.c : Number.NaN;
    const agree = Math.abs(ratio - 1) <= 0.1;
    const verdict = (r.cProblems === 0) === (r.ourProblems === 0);
    lines.push(
      `| ${r.scenario} | ${r.server} | ${Math.round(r.c)} | ${Math.round(r.ours)} | ${ratio.toFixed(2)} | ${agree ? "yes" : "**no**"} | ${verdict ? "yes" : "**no**"} |`,
    );
  }
  return lines;
}

export const OUR_BINARY = join(import.meta.dir, "..", "dist", "iocp-echo");
