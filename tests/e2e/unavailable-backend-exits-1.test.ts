import { expect, test } from "bun:test";
import { BASE_ARGS, describeTargets, runCli } from "./harness.ts";

describeTargets("asking for the other OS's backend exits 1 with a clear reason", (t) => {
  test("--backend of the other platform", async () => {
    const other = t.name === "wine" ? "io_uring" : "iocp";
    const { code, stderr } = await runCli(t, [...BASE_ARGS, "--backend", other]);
    expect(stderr).toMatch(new RegExp(`--backend ${other} is not available on (linux|win32) \\(use --backend auto\\)`));
    expect(code).toBe(1);
  });
});
