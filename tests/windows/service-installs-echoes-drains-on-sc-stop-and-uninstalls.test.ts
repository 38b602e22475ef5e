/**
 * The Windows service end to end under Wine, with the real .exe and Wine's
 * own SCM and sc.exe: install -> config written -> sc start -> RUNNING ->
 * echo and /stats -> a transfer in flight survives sc stop byte for byte ->
 * STOPPED with exit code 0 -> uninstall -> sc no longer finds it, nor the
 * registry its Event Log source.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import {
  freePort,
  iocpEcho,
  keepPrefixAlive,
  lane,
  readDriveC,
  RUNNING,
  STOP_PENDING,
  STOPPED,
  scQuery,
  wine,
  waitForSc,
  HOOK_TIMEOUT_MS,
} from "./wine-prefix.ts";

const NAME = `iocp-echo-test-${process.pid}`;
const EVENT_SOURCE = `HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\${NAME}`;
const HALF = 256 * 1024;
let endPrefix: () => void = () => {};

beforeAll(async () => {
  if (lane) endPrefix = await keepPrefixAlive();
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  if (!lane) return;
  if ((await scQuery(NAME)) !== null) await iocpEcho(["service", "uninstall", "--name", NAME]);
  endPrefix();
}, HOOK_TIMEOUT_MS);

function open(port: number): Promise<{ socket: Socket; received: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port }, () =>
      resolve({ socket, received: () => Buffer.concat(chunks) }),
    );
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
  });
}

async function until(done: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function install(port: number, adminPort: number) {
  const args = ["--port", `${port}`, "--admin-port", `${adminPort}`, "--host", "127.0.0.1", "--workers", "2"];
  // Manual start: an auto-start service would also start whenever Wine boots the prefix.
  const installed = await iocpEcho(["service", "install", "--name", NAME, "--start", "manual", ...args]);
  expect(installed.stderr).toBe("");
  expect(installed.code).toBe(0);
  const configPath = /config: (\S+)/.exec(installed.stdout)?.[1] ?? "";
  expect(configPath).toBe(`C:\\ProgramData\\iocp-echo\\${NAME}\\config.json`);
  expect(JSON.parse(readDriveC(configPath) ?? "{}")).toMatchObject({ port, adminPort, host: "127.0.0.1", workers: 2 });
  const source = await wine(["reg", "query", EVENT_SOURCE]);
  expect(source.stdout).toMatch(/EventMessageFile\s+REG_EXPAND_SZ\s+%SystemRoot%\\System32\\EventCreate\.exe/);
  const again = await iocpEcho(["service", "install", "--name", NAME, "--port", "1"]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("already installed");
  expect(JSON.parse(readDriveC(configPath) ?? "{}").port).toBe(port); // changed nothing
}

test.skipIf(!lane)(
  "service installs, runs under the SCM, finishes a transfer in flight on sc stop, stops with 0 and uninstalls",
  async () => {
    const [port, adminPort] = [freePort(), freePort()];
    await install(port, adminPort);
    expect((await wine(["sc", "start", NAME])).code).toBe(0);
    expect((await waitForSc(NAME, (s) => s?.state === RUNNING || s?.state === STOPPED))?.state).toBe(RUNNING);

    const stats = await fetch(`http://127.0.0.1:${adminPort}/stats`);
    expect(stats.status).toBe(200);
    const status = JSON.parse((await iocpEcho(["service", "status", "--name", NAME, "--json"])).stdout);
    expect(status).toMatchObject({ state: "running", startType: "manual", admin: `http://127.0.0.1:${adminPort}` });
    expect(status.pid).toBeGreaterThan(0);
    const payload = randomBytes(2 * HALF);
    const { socket, received } = await open(port);
    socket.write(payload.subarray(0, HALF));
    await until(() => received().length === HALF, "the first half's echo");

    expect((await wine(["sc", "stop", NAME])).code).toBe(0);
    expect((await waitForSc(NAME, (s) => s?.state !== RUNNING))?.state).toBe(STOP_PENDING);
    socket.write(payload.subarray(HALF));
    await until(() => received().length === payload.length, "the second half's echo");
    expect(received().equals(payload)).toBe(true);
    socket.end();

    const stopped = await waitForSc(NAME, (s) => s?.state === STOPPED);
    expect(stopped).toEqual({ state: STOPPED, win32ExitCode: 0, serviceExitCode: 0 });
    const log = readDriveC(`C:\\ProgramData\\iocp-echo\\${NAME}\\logs\\iocp-echo.log`) ?? "";
    expect(log).toContain(`service ${NAME} started: echo on 127.0.0.1:${port}`);
    expect(log).toContain(`service ${NAME} stopping (service control STOP): draining 1 connection`);
    expect(log).toContain(`service ${NAME} stopped: 1 connection served, 0 left open`);

    const uninstalled = await iocpEcho(["service", "uninstall", "--name", NAME]);
    expect(uninstalled.code).toBe(0);
    expect(uninstalled.stdout).toContain(`kept: config C:\\ProgramData\\iocp-echo\\${NAME}\\config.json`);
    expect(await scQuery(NAME)).toBeNull();
    expect((await wine(["reg", "query", EVENT_SOURCE])).code).not.toBe(0);
  },
  240_000,
);
