import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BenchReport } from "../../src/bench/report.ts";
import { describeTargets, ROOT, ServerProcess } from "./harness.ts";

describeTargets("bench interrupted", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
  });
  afterAll(async () => {
    await server.stop();
  });

  test("Ctrl-C ends a long run early with the report of what was measured, exit 0", async () => {
    const argv = [...t.argv, "bench", "--target", `127.0.0.1:${server.echoPort}`, "-c", "4", "--workers", "2"];
    const proc = Bun.spawn([...argv, "-d", "60", "--warmup", "0", "-i", "0.2", "--json"], {
      cwd: ROOT,
      env: { ...process.env, ...t.env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = (async () => {
      let text = "";
      let interrupted = false;
      for await (const chunk of proc.stderr) {
        text += new TextDecoder().decode(chunk);
        // Interrupt once (a second Ctrl-C ends the process) when the run is measuring: a progress line has come.
        if (!interrupted && text.includes("msg/s")) {
          interrupted = true;
          proc.kill("SIGINT");
        }
      }
      return text;
    })();
    const killer = setTimeout(() => proc.kill("SIGKILL"), 50_000);
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    clearTimeout(killer);
    await stderr;
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as BenchReport;
    expect(r.verdict).toBe("clean");
    expect(r.measuredS).toBeLessThan(60);
    expect(r.throughput.messages).toBeGreaterThan(0);
    expect(r.totals.receivedBytes).toBe(r.totals.sentBytes);
  }, 90_000);
});
