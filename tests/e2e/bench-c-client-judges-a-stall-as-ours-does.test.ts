/**
 * `bun run bench` compares our client's verdict with the C load client's
 * (bench/c/load-uring.c), so the C client must find what ours finds. Ours
 * gives up a connection that has bytes outstanding and nothing back for a
 * second (a stall), but not for the second it was itself stopped; the C
 * client, which once had no notion of a stall, must judge alike: every
 * connection to a server that never answers is stalled, none when client
 * and server were stopped together for more than a second, and every one
 * when the server alone was. Linux only, like the bench: it needs gcc and
 * liburing (Debian liburing-dev), and is skipped, saying so, without them.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { benchProgram } from "../bench-c.ts";
import { BrokenEcho } from "./bench-client.ts";

const CONNS = 5;
/** CI installs it (.ci/run); elsewhere the bench's own README asks for it. */
const LIBURING = process.platform === "linux" && existsSync("/usr/include/liburing.h");

interface CReport {
  msgs: number;
  errors: number;
  stalled: number;
  corrupted: number;
  unreturned: number;
}

/** Starts the C client on `port` for `seconds` after a 0.5 s warmup; resolves to its report. */
function runC(port: number, seconds: number): { pid: number; report: Promise<CReport> } {
  const argv = [
    benchProgram("load-uring", ["-luring"]),
    "--port",
    String(port),
    "--conns",
    String(CONNS),
    "--size",
    "64",
  ];
  const proc = Bun.spawn([...argv, "--seconds", String(seconds), "--warmup", "0.5"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const report = (async () => {
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    return JSON.parse(stdout) as CReport;
  })();
  return { pid: proc.pid, report };
}

/** Stops every pid for `ms`, then lets them go on in order, 30 ms apart (the client first, as ours is tested). */
async function pause(pids: number[], ms: number): Promise<void> {
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  await Bun.sleep(ms);
  for (const [i, pid] of pids.entries()) {
    if (i > 0) await Bun.sleep(30);
    process.kill(pid, "SIGCONT");
  }
}

const title = `the bench's C load client judges a stall as iocp-echo bench does${LIBURING ? "" : " (no liburing.h: apt-get install liburing-dev)"}`;
describe.skipIf(!LIBURING)(title, () => {
  let server: BrokenEcho | null = null;
  afterEach(() => {
    server?.stop();
    server = null;
  });

  test("every connection to a server that never answers is stalled, and nothing else is counted", async () => {
    server = await BrokenEcho.start("silent");
    const report = await runC(server.port, 1.5).report;
    expect(report).toMatchObject({ msgs: 0, errors: 0, stalled: CONNS, corrupted: 0, unreturned: 0 });
  });

  test("client and server stopped together for 1.2 s is no stall", async () => {
    server = await BrokenEcho.start("ok");
    const run = runC(server.port, 3);
    await Bun.sleep(1000);
    await pause([run.pid, server.pid], 1200);
    const report = await run.report;
    expect(report).toMatchObject({ errors: 0, stalled: 0, corrupted: 0, unreturned: 0 });
    expect(report.msgs).toBeGreaterThan(0);
  });

  test("the server alone stopped for 1.5 s stalls every connection", async () => {
    server = await BrokenEcho.start("ok");
    const run = runC(server.port, 3);
    await Bun.sleep(1000);
    await pause([server.pid], 1500);
    const report = await run.report;
    expect(report).toMatchObject({ errors: 0, stalled: CONNS, corrupted: 0, unreturned: 0 });
  });
});
