import { expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { describeTargets } from "./harness.ts";

/**
 * 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned, so a connect there
 * times out (a default route that drops it), fails at once (no route), or
 * is refused (a firewall that rejects it, as in this project's sandbox).
 * Whichever the network does, nothing is reached.
 */
const NOWHERE = "192.0.2.1:6000";

describeTargets("bench against an unreachable target", (t) => {
  test("connects are given up after --connect-timeout, counted by kind, said in one line, exit 1", async () => {
    const run = await bench(t, NOWHERE, ["-c", "3", "--workers", "1", "--connect-timeout", "300"], false);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("iocp-echo"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^iocp-echo bench: 192\.0\.2\.1:6000 \(192\.0\.2\.1\) accepted none of 3 connections: 3 (connect timed out|network or host unreachable|connect refused \(nothing listens there\))$/,
    );
  }, 90_000);
});
