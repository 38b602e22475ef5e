/**
 * On Linux the service commands drive systemd. Where systemd is not the
 * running init (this container, most CI runners), each says so and exits 1;
 * bad serve options are refused first, with exit 2, as serve refuses them.
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { describeTargets, runCli } from "./harness.ts";

const systemdRuns = existsSync("/run/systemd/system");
if (systemdRuns) console.warn("skipped: systemd runs here; these tests need a machine without it");

describeTargets("service commands on Linux without systemd", (t) => {
  const linux = t.name !== "wine";
  for (const action of ["install", "uninstall", "start", "stop", "status"]) {
    test.skipIf(!linux || systemdRuns)(`service ${action} says systemd is not running and exits 1`, async () => {
      const r = await runCli(t, ["service", action, "--name", "iocp-echo-e2e"]);
      expect(r.stderr).toContain(`service ${action}: systemd is not running on this machine`);
      expect(r.code).toBe(1);
    });
  }

  test.skipIf(!linux)("service install refuses a bad serve option with exit 2 before looking for systemd", async () => {
    const r = await runCli(t, ["service", "install", "--port", "70000"]);
    expect(r.stderr).toContain("--port: must be an integer from 0 to 65535");
    expect(r.code).toBe(2);
  });

  test.skipIf(!linux)("service run is for the Windows SCM and exits 2 on Linux", async () => {
    const r = await runCli(t, ["service", "run"]);
    expect(r.stderr).toContain("systemd runs");
    expect(r.code).toBe(2);
  });
});
