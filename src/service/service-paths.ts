/**
 * Where an installed service keeps its files. A service starts in
 * System32 (Windows) or / (systemd), so no path here depends on the
 * working directory: Windows paths come from %ProgramData%, Linux paths are
 * absolute.
 */
import { win32 } from "node:path";

/** Service names: what both sc.exe and systemd accept without quoting. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
export const DEFAULT_SERVICE_NAME = "iocp-echo";
/** Budget beyond the drain for joining workers and closing (server.ts joins workers for up to 10 s). */
export const STOP_MARGIN_MS = 15_000;

export interface WindowsServicePaths {
  dir: string;
  config: string;
  logs: string;
  logFile: string;
}

export interface LinuxServicePaths {
  unit: string;
  config: string;
}

/** Why the name is refused, or null. */
export function serviceNameProblem(name: string): string | null {
  if (SERVICE_NAME.test(name)) return null;
  return `--name: must be 1 to 80 letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`;
}

/**
 * <ProgramData>\iocp-echo\<name>\{config.json, logs\iocp-echo.log}.
 * `programData` is the registry's answer (src/ffi/win32/program-data.ts);
 * when it has none, the environment's, then Windows' default.
 */
export function windowsServicePaths(
  name: string,
  programDataFromRegistry: string | null,
  env: Record<string, string | undefined>,
): WindowsServicePaths {
  const programData = programDataFromRegistry ?? env.ProgramData ?? env.PROGRAMDATA ?? "C:\\ProgramData";
  const dir = win32.join(programData, "iocp-echo", name);
  const logs = win32.join(dir, "logs");
  return { dir, config: win32.join(dir, "config.json"), logs, logFile: win32.join(logs, "iocp-echo.log") };
}

export function linuxServicePaths(name: string): LinuxServicePaths {
  return { unit: `/etc/systemd/system/${name}.service`, config: `/etc/iocp-echo/${name}.json` };
}

/** What the service manager should allow for a stop: the drain, then the joins. */
export function stopBudgetMs(drainTimeoutMs: number): number {
  return drainTimeoutMs + STOP_MARGIN_MS;
}

/** The command line the SCM runs: each path quoted, since it may hold spaces. */
export function windowsCommandLine(self: string[], name: string): string {
  return `${self.map((part) => `"${part}"`).join(" ")} service run --name ${name}`;
}

/** The admin API's URL, with an IPv6 host in brackets. */
export function adminUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
