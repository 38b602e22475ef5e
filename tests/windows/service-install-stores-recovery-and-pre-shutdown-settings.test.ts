/**
 * install's recovery settings, read back through QueryServiceConfig2W by
 * `service status --json`: restart after 5 s, 10 s, 60 s, reset after a
 * day, and a pre-shutdown timeout above the drain timeout.
 *
 * What Wine 8's SCM (programs/services) does with them: it stores and
 * returns the pre-shutdown timeout (asserted everywhere); it accepts
 * failure actions without storing them (a FIXME) and refuses to return
 * them, and has no failure-actions flag or delayed auto start at all
 * (ERROR_INVALID_LEVEL both ways). status reports what cannot be read as
 * null; on Windows the recovery values are asserted.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { iocpEcho, keepPrefixAlive, lane, scQuery, HOOK_TIMEOUT_MS } from "./wine-prefix.ts";

const NAME = `iocp-echo-recovery-${process.pid}`;
const DRAIN_MS = 12_000;
let endPrefix: () => void = () => {};

beforeAll(async () => {
  if (lane) endPrefix = await keepPrefixAlive();
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  if (!lane) return;
  if ((await scQuery(NAME)) !== null) await iocpEcho(["service", "uninstall", "--name", NAME]);
  endPrefix();
}, HOOK_TIMEOUT_MS);

test.skipIf(!lane)(
  "service install stores restart-on-failure actions and a pre-shutdown timeout above the drain timeout",
  async () => {
    const install = ["service", "install", "--name", NAME, "--start", "manual", "--drain-timeout", `${DRAIN_MS}`];
    const installed = await iocpEcho(install);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain("New-NetFirewallRule");
    const status = await iocpEcho(["service", "status", "--name", NAME, "--json"]);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({ name: NAME, installed: true, state: "stopped", pid: null, startType: "manual" });
    expect(report.preshutdownTimeoutMs).toBeGreaterThan(DRAIN_MS);
    if (report.recovery !== null) {
      expect(report.recovery).toEqual({ resetPeriodSeconds: 86_400, restartDelaysMs: [5_000, 10_000, 60_000] });
    }
    if (report.recoveryOnNonZeroExit === null) {
      // Wine: the flag's level does not exist there; install must have said it skipped it.
      expect(installed.stdout).toContain("skipped: failure actions on non-zero exit");
    } else {
      expect(report.recoveryOnNonZeroExit).toBe(true);
    }
  },
  120_000,
);
