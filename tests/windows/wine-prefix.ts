/**
 * Helpers for driving the real iocp-echo.exe and Wine's own sc.exe in the
 * test prefix. Wine shuts the prefix down (and kills its services, which
 * then read STOPPED with exit 1077) once no ordinary process is left, so a
 * test holds one open for its whole length: `keepPrefixAlive()`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WINE_PREFIX, wineEnv } from "./wine-env.ts";

export const ROOT = join(import.meta.dir, "../..");
export const EXE = join(ROOT, "dist/iocp-echo.exe");
export const WINE_ENV = { ...process.env, ...wineEnv() };
const WINE = process.env.WINE ?? "wine";

/** Hooks that start the prefix or uninstall a service: a cold prefix takes many seconds on a loaded machine. */
export const HOOK_TIMEOUT_MS = 120_000;

export const lane = (process.env.IOCP_ECHO_TARGETS ?? "").split(",").includes("wine");

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Windows program in the prefix to completion; throws, naming it, when it hangs. */
export async function wine(args: string[], timeoutMs = 60_000): Promise<Ran> {
  const proc = Bun.spawn([WINE, ...args], { env: WINE_ENV, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  if (hung) throw new Error(`wine ${args.join(" ")} did not finish within ${timeoutMs} ms: ${stdout}${stderr}`);
  return { code, stdout, stderr };
}

/** iocp-echo.exe with these arguments, to completion. */
export const iocpEcho = (args: string[], timeoutMs?: number) => wine([EXE, ...args], timeoutMs);

/**
 * Starts the prefix and keeps it up with an ordinary process (cmd.exe
 * reading a pipe that never closes); call the result to end it.
 *
 * Whichever Wine process comes first starts the wineserver and the
 * prefix's system processes, and they inherit its stdout and stderr: if
 * that were a command whose output a test reads, the read would never see
 * EOF. So the prefix is brought up here, by processes whose output is
 * ignored, before any test command runs.
 */
export async function keepPrefixAlive(): Promise<() => void> {
  const quiet = { env: WINE_ENV, stdout: "ignore", stderr: "ignore" } as const;
  const keeper = Bun.spawn([WINE, "cmd"], { ...quiet, stdin: "pipe" });
  await Bun.spawn([WINE, "cmd", "/c", "exit"], { ...quiet, stdin: "ignore" }).exited;
  return () => keeper.kill();
}

export interface ScState {
  state: number;
  win32ExitCode: number;
  serviceExitCode: number;
}

/** `sc query NAME`, parsed; null when Wine's sc finds no such service. */
export async function scQuery(name: string): Promise<ScState | null> {
  const r = await wine(["sc", "query", name]);
  const field = (label: string) => Number(new RegExp(`${label}\\s*:\\s*(\\d+)`).exec(r.stdout)?.[1] ?? Number.NaN);
  if (r.code !== 0 || !/STATE/.test(r.stdout)) return null;
  return {
    state: field("STATE"),
    win32ExitCode: field("WIN32_EXIT_CODE"),
    serviceExitCode: field("SERVICE_EXIT_CODE"),
  };
}

export const RUNNING = 4;
export const STOPPED = 1;
export const STOP_PENDING = 3;

/** Polls sc query until `accept` says yes; the last state either way (bounded in time). */
export async function waitForSc(name: string, accept: (s: ScState | null) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  let s = await scQuery(name);
  while (!accept(s) && Date.now() < deadline) {
    await Bun.sleep(250);
    s = await scQuery(name);
  }
  return s;
}

/** A file under the prefix's C: drive, by its Windows path. */
export function driveC(windowsPath: string): string {
  return join(WINE_PREFIX, "drive_c", ...windowsPath.replace(/^C:\\/i, "").split("\\"));
}

export function readDriveC(windowsPath: string): string | null {
  const path = driveC(windowsPath);
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** A port nobody listens on right now (the kernel's pick, released at once). */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}
