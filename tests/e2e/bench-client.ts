/**
 * Runs `iocp-echo bench` on a target for the end-to-end suite, and starts
 * the broken echo servers of tests/fixtures/broken-echo.ts.
 */
import type { BenchReport } from "../../src/bench/report.ts";
import { runCli, startFixture, type Target } from "./harness.ts";

export interface BenchRun {
  code: number;
  stdout: string;
  stderr: string;
  report: BenchReport | null;
}

/** A short run: no warmup, one second, `--json` unless `json` is false, plus `args`. */
export async function bench(t: Target, target: string, args: string[] = [], json = true): Promise<BenchRun> {
  const run = await runCli(t, [
    "bench",
    "--target",
    target,
    "--warmup",
    "0",
    "-d",
    "1",
    ...(json ? ["--json"] : []),
    ...args,
  ]);
  let report: BenchReport | null = null;
  try {
    report = JSON.parse(run.stdout) as BenchReport;
  } catch {}
  return { ...run, report };
}

export class BrokenEcho {
  private constructor(
    private readonly proc: Bun.Subprocess<"ignore", "pipe", "ignore">,
    readonly port: number,
  ) {}

  static async start(fault: string, family: "ipv4" | "ipv6" = "ipv4"): Promise<BrokenEcho> {
    const { proc, port } = await startFixture("broken-echo", [fault, family]);
    return new BrokenEcho(proc, port);
  }

  stop(): void {
    this.proc.kill();
  }
}
