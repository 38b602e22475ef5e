import { afterAll, beforeAll, expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { describeTargets, startFixture } from "./harness.ts";

/**
 * A listener whose accept queue is full answers no SYN (tests/fixtures/
 * full-backlog.ts), so every connect to it times out, on loopback. This is
 * the one way to reach --connect-timeout over real sockets here: the
 * sandbox refuses TEST-NET addresses at once.
 */
let listener: Bun.Subprocess<"ignore", "pipe", "ignore">;
let port = 0;

beforeAll(async () => {
  ({ proc: listener, port } = await startFixture("full-backlog"));
});

afterAll(() => {
  listener.kill();
});

describeTargets("bench against a listener that never answers a SYN", (t) => {
  test("each connect is given up after --connect-timeout and counted as timed out; exit 1", async () => {
    const run = await bench(t, `127.0.0.1:${port}`, ["-c", "3", "--workers", "1", "--connect-timeout", "300"]);
    expect(run.code).toBe(1);
    const r = run.report!;
    expect(r.verdict).toBe("errors");
    expect(r.connections).toEqual({ attempted: 3, established: 0, failed: 3 });
    expect(r.errors.timedOut).toBe(3);
    expect(r.throughput.messages).toBe(0);
  }, 60_000);

  test("the text report says so in one line", async () => {
    const run = await bench(t, `127.0.0.1:${port}`, ["-c", "2", "--workers", "1", "--connect-timeout", "300"], false);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("iocp-echo"));
    expect(lines).toEqual([
      `iocp-echo bench: 127.0.0.1:${port} (127.0.0.1) accepted none of 2 connections: 2 connect timed out`,
    ]);
  }, 60_000);
});
