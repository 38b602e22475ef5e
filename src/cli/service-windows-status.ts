/**
 * `service status [--json]` on Windows: the SCM's view of the service, its
 * start type and recovery settings as the SCM stores them (null where this
 * SCM has no such setting: Wine), and where its config, log and admin API
 * are. Query rights only: no elevation needed.
 */
import { programDataDirectory } from "../ffi/win32/program-data.ts";
import { ERROR_INVALID_LEVEL, type ServiceHandle, ServiceManager, StartType } from "../ffi/win32/service-manager.ts";
import { OsError } from "../os-error.ts";
import { adminUrl, windowsServicePaths } from "../service/service-paths.ts";
import { readServiceConfig } from "./service-config.ts";
import type { ServiceRequest } from "./service-request.ts";

export const STATE_NAMES = [
  "",
  "stopped",
  "start pending",
  "stop pending",
  "running",
  "continue pending",
  "pause pending",
  "paused",
];

const say = (line: string) => process.stdout.write(`${line}\n`);

/** A setting's value, or null where this SCM lacks the setting (Wine: delayed start, failure flag). */
function supported<T>(read: () => T): T | null {
  try {
    return read();
  } catch (error) {
    if (error instanceof OsError && error.raw === ERROR_INVALID_LEVEL) return null;
    throw error;
  }
}

function startTypeName(service: ServiceHandle): string {
  const type = service.config().startType;
  if (type === StartType.Auto) return supported(() => service.delayedAutoStart()) ? "delayed" : "auto";
  return type === StartType.Demand ? "manual" : "disabled";
}

/** What `status` reports: the SCM's view, recovery settings as stored, and where config and logs are. */
function describe(service: ServiceHandle, name: string) {
  const s = service.status();
  const paths = windowsServicePaths(name, programDataDirectory(), process.env);
  const config = readServiceConfig(paths.config);
  return {
    name,
    installed: true,
    state: (STATE_NAMES[s.state] ?? `${s.state}`).replace(" ", "-"),
    pid: s.pid === 0 ? null : s.pid,
    startType: startTypeName(service),
    exitCode: s.win32ExitCode === 1066 ? s.serviceExitCode : s.win32ExitCode,
    recovery: supported(() => service.failureActions()),
    recoveryOnNonZeroExit: supported(() => service.failureActionsOnNonCrashFailures()),
    preshutdownTimeoutMs: supported(() => service.preshutdownTimeoutMs()),
    config: paths.config,
    log: paths.logFile,
    admin: config === null ? null : adminUrl(config.adminHost, config.adminPort),
  };
}

export async function status(r: ServiceRequest): Promise<number> {
  const manager = ServiceManager.connect(false);
  try {
    const service = manager.open(r.name, "query");
    if (service === null) {
      if (r.json) say(JSON.stringify({ name: r.name, installed: false }));
      else process.stderr.write(`iocp-echo: service ${r.name} is not installed\n`);
      return 1;
    }
    try {
      const report = describe(service, r.name);
      if (r.json) say(JSON.stringify(report));
      else
        for (const [key, value] of Object.entries(report))
          say(`${key.padEnd(22)} ${typeof value === "object" && value !== null ? JSON.stringify(value) : value}`);
      return 0;
    } finally {
      service.close();
    }
  } finally {
    manager.close();
  }
}
