/**
 * `service run` is what the SCM launches. Started from a console,
 * StartServiceCtrlDispatcherW fails with ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
 * (under Wine only after its 10 s wait for the SCM's pipe): say so, exit 2.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { iocpEcho, keepPrefixAlive, lane, HOOK_TIMEOUT_MS } from "./wine-prefix.ts";

let endPrefix: () => void = () => {};
beforeAll(async () => {
  if (lane) endPrefix = await keepPrefixAlive();
}, HOOK_TIMEOUT_MS);
afterAll(() => endPrefix(), HOOK_TIMEOUT_MS);

test.skipIf(!lane)(
  "service run started by hand says it is for the Service Control Manager and exits 2",
  async () => {
    const r = await iocpEcho(["service", "run", "--name", "iocp-echo-by-hand"]);
    expect(r.stderr).toContain(`"service run" is what the Service Control Manager starts`);
    expect(r.code).toBe(2);
  },
  60_000,
);
