import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("the server raises its own open-file soft limit to the hard limit and says so", (t) => {
  // Windows has no per-process descriptor limit to raise.
  test.skipIf(t.name === "wine")("started with a soft limit of 256", async () => {
    const server = await ServerProcess.start(t, [], {}, { softFileLimit: 256 });
    const limits = readFileSync(`/proc/${server.proc.pid}/limits`, "utf8");
    const [, soft, hard] = /Max open files\s+(\d+)\s+(\d+)/.exec(limits) ?? [];
    expect(Number(soft)).toBe(Number(hard));
    expect(Number(soft)).toBeGreaterThan(256);
    // Bun's runtime may have raised it already before our code runs; either
    // way the server ends up at the hard limit and reports the figure.
    expect(server.stderrText).toMatch(new RegExp(`open-file limit: ${soft}( \\(raised from \\d+\\))?\\n`));
    expect(await server.stop()).toBe(0);
  });
});
