/**
 * Runs `iocp-echo bench` on a target for the end-to-end suite, and starts
 * the broken echo servers of tests/fixtures/broken-echo.ts.
 */
import { type BenchReport, exitCodeOf } from "../../src/bench/report.ts";
import { runCli, startFixture, type Target, WINE_KILLED } from "./harness.ts";

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
  return { ...run, code: exitCode(t, run.code, report), report };
}

/**
 * The exit code, or under Wine, when Wine's exit race killed a run that had
 * already printed its whole report (harness.ts, WINE_KILLED), the code that
 * report stands for (exitCodeOf, as the bench itself exits). A 137 with no
 * report stays 137 and fails the test.
 */
export function exitCode(t: Target, code: number, report: BenchReport | null): number {
  if (t.name !== "wine" || code !== WINE_KILLED || report === null) return code;
  return exitCodeOf(report);
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

  get pid(): number {
    return this.proc.pid;
  }

  stop(): void {
    this.proc.kill();
  }
}
