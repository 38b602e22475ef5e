import { afterEach, expect, test } from "bun:test";
import {
  ACCEPT_STOP_SHUTDOWN_PRESHUTDOWN,
  ERROR_SERVICE_SPECIFIC_ERROR,
  type ServiceStatus,
  ServiceState,
} from "../../src/ffi/win32/service-codes.ts";
import { ServiceStatusReporter } from "../../src/ffi/win32/service-status.ts";

const reports: ServiceStatus[] = [];
const warnings: string[] = [];
const reporter = () => new ServiceStatusReporter({ report: (s) => reports.push({ ...s }) }, (m) => warnings.push(m));
afterEach(() => {
  reports.length = 0;
  warnings.length = 0;
});

test("START_PENDING goes out at once with checkpoint 1 and its wait hint, then RUNNING accepts stop, shutdown and pre-shutdown", () => {
  const r = reporter();
  r.startPending(30_000);
  r.running();
  expect(reports).toEqual([
    {
      state: ServiceState.StartPending,
      accepted: 0,
      win32ExitCode: 0,
      serviceExitCode: 0,
      checkPoint: 1,
      waitHintMs: 30_000,
    },
    {
      state: ServiceState.Running,
      accepted: ACCEPT_STOP_SHUTDOWN_PRESHUTDOWN,
      win32ExitCode: 0,
      serviceExitCode: 0,
      checkPoint: 0,
      waitHintMs: 0,
    },
  ]);
});

test("a pending state's checkpoint keeps rising, so the SCM never takes a long drain for a hung service", async () => {
  const r = reporter();
  r.stopPending(20_000);
  const pending = () => reports.filter((s) => s.state === ServiceState.StopPending);
  for (let waited = 0; pending().length < 3 && waited < 20_000; waited += 50) await Bun.sleep(50);
  r.stop(0);
  const checkpoints = pending().map((s) => s.checkPoint);
  expect(checkpoints.slice(0, 3)).toEqual([1, 2, 3]);
  expect(pending().every((s) => s.waitHintMs === 20_000)).toBe(true);
  expect(reports.at(-1)?.state).toBe(ServiceState.Stopped);
}, 30_000);

test("a second stop request during the drain reports nothing new", () => {
  const r = reporter();
  r.stopPending(20_000);
  r.stopPending(20_000);
  r.stop(0);
  expect(reports.map((s) => s.state)).toEqual([ServiceState.StopPending, ServiceState.Stopped]);
});

test("STOPPED carries 0 after a clean stop, else ERROR_SERVICE_SPECIFIC_ERROR with the exit code; only once", () => {
  reporter().stop(0);
  const failed = reporter();
  failed.stop(1);
  failed.stop(0);
  expect(reports).toEqual([
    { state: ServiceState.Stopped, accepted: 0, win32ExitCode: 0, serviceExitCode: 0, checkPoint: 0, waitHintMs: 0 },
    {
      state: ServiceState.Stopped,
      accepted: 0,
      win32ExitCode: ERROR_SERVICE_SPECIFIC_ERROR,
      serviceExitCode: 1,
      checkPoint: 0,
      waitHintMs: 0,
    },
  ]);
});

test("a refused SetServiceStatus is logged, never thrown into the server", () => {
  const r = new ServiceStatusReporter(
    {
      report: () => {
        throw new Error("SetServiceStatus failed: EINVAL (87)");
      },
    },
    (m) => warnings.push(m),
  );
  r.running();
  expect(warnings).toEqual(["cannot report the service status: SetServiceStatus failed: EINVAL (87)"]);
});
