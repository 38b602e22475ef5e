/**
 * A service that cannot start (its echo port is taken) reports STOPPED with
 * ERROR_SERVICE_SPECIFIC_ERROR and the process's exit code (1), which is
 * what makes the SCM's recovery restart it; the log file names the port.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  freePort,
  iocpEcho,
  keepPrefixAlive,
  lane,
  readDriveC,
  STOPPED,
  scQuery,
  HOOK_TIMEOUT_MS,
} from "./wine-prefix.ts";

const NAME = `iocp-echo-taken-${process.pid}`;
const ERROR_SERVICE_SPECIFIC_ERROR = 1066;
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
  "service start on a taken port ends STOPPED with the service-specific exit code 1, and the log names the port",
  async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const args = ["--host", "127.0.0.1", "--port", `${holder.port}`, "--admin-port", `${freePort()}`];
      expect((await iocpEcho(["service", "install", "--name", NAME, "--start", "manual", ...args])).code).toBe(0);
      const started = await iocpEcho(["service", "start", "--name", NAME]);
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(`service ${NAME} did not start: it exited with code 1`);
      expect(await scQuery(NAME)).toEqual({
        state: STOPPED,
        win32ExitCode: ERROR_SERVICE_SPECIFIC_ERROR,
        serviceExitCode: 1,
      });
      const log = readDriveC(`C:\\ProgramData\\iocp-echo\\${NAME}\\logs\\iocp-echo.log`) ?? "";
      expect(log).toContain(`service ${NAME} cannot start: echo port`);
      expect(log).toContain(`${holder.port}`);
    } finally {
      holder.stop(true);
    }
  },
  120_000,
);
