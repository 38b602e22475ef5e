/**
 * A shared machine can stop for a second: a VM whose host is busy, a laptop
 * lid. Client and server then stop together, and when they go on, neither
 * may take the pause for silence. The client must not blame the server for
 * the second it did not run itself (bench-loop.ts, PAUSE_MS); the server,
 * which then finds every connection idle for a second, must not release a
 * buffer whose receive has already completed (loop.ts, dispatch: before the
 * fix, 19 of 20 echoes after the pause came back as zeros). Here both
 * processes get SIGSTOP for 1.2 s in the middle of a run, more than a
 * stall's second, and the client gets SIGCONT 30 ms before the server; the
 * run must end clean. Under Wine the signals go to the Wine processes that
 * run the .exe, which stops every thread of it as a paused machine would.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BenchReport } from "../../src/bench/report.ts";
import { exitCode } from "./bench-client.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const PAUSE_MS = 1200;

describeTargets("bench after a pause of the whole machine", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
  });
  afterAll(async () => {
    await server.stop();
  });

  test("a second and more with client and server both stopped is no stall and loses no byte", async () => {
    const client = Bun.spawn(
      [
        ...t.argv,
        "bench",
        "--target",
        `127.0.0.1:${server.echoPort}`,
        "-c",
        "20",
        "--warmup",
        "0",
        "-d",
        "3",
        "--json",
      ],
      { env: { ...process.env, ...t.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    await Bun.sleep(1000);
    for (const pid of [client.pid, server.proc.pid]) process.kill(pid, "SIGSTOP");
    await Bun.sleep(PAUSE_MS);
    // The client goes on first, as it may when the machine does: its first look finds nothing back yet.
    process.kill(client.pid, "SIGCONT");
    await Bun.sleep(30);
    process.kill(server.proc.pid, "SIGCONT");
    const [stdout, stderr, code] = await Promise.all([
      new Response(client.stdout).text(),
      new Response(client.stderr).text(),
      client.exited,
    ]);
    const report = JSON.parse(stdout) as BenchReport;
    expect([exitCode(t, code, report), stderr]).toEqual([0, expect.any(String)]);
    expect(report.verdict).toBe("clean");
    expect(report.throughput.messages).toBeGreaterThan(0);
  });
});
