/**
 * `service install|uninstall|start|stop|status` on Windows, through the SCM.
 * Exit codes: 0 done, 1 refused or failed (not elevated, already installed,
 * not installed, did not start), 2 bad options (before anything changed).
 * Loaded only on Windows (service.ts): its imports bind advapi32.
 */
import { programDataDirectory } from "../ffi/win32/program-data.ts";
import { mkdirSync } from "node:fs";
import { OsError } from "../os-error.ts";
import { registerEventSource, unregisterEventSource } from "../ffi/win32/event-log.ts";
import {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_LEVEL,
  ERROR_SERVICE_NOT_ACTIVE,
  type ServiceHandle,
  ServiceManager,
  StartType,
} from "../ffi/win32/service-manager.ts";
import {
  stopBudgetMs,
  windowsCommandLine,
  type WindowsServicePaths,
  windowsServicePaths,
} from "../service/service-paths.ts";
import { type PlannedConfig, planConfig, readServiceConfig, writeConfig } from "./service-config.ts";
import type { ServiceRequest } from "./service-request.ts";
import { STATE_NAMES } from "./service-windows-status.ts";

const servicePaths = (name: string): WindowsServicePaths =>
  windowsServicePaths(name, programDataDirectory(), process.env);

/** Restart 5 s, 10 s, then 60 s after each failure; forget failures after a day without one. */
const RESTART_DELAYS_MS = [5_000, 10_000, 60_000];
const RESET_PERIOD_S = 86_400;
const WAIT_POLL_MS = 250;
const START_WAIT_MS = 60_000;

const say = (line: string) => process.stdout.write(`${line}\n`);
/** Says why on stderr; returns exit code 1. */
const refuse = (line: string): number => {
  process.stderr.write(`iocp-echo: ${line}\n`);
  return 1;
};

/** Runs `use` with the SCM, mapping access denied to the elevation message. */
async function withManager(create: boolean, action: string, use: (m: ServiceManager) => Promise<number> | number) {
  let manager: ServiceManager | null = null;
  try {
    manager = ServiceManager.connect(create);
    return await use(manager);
  } catch (error) {
    if (!(error instanceof OsError && error.raw === ERROR_ACCESS_DENIED)) throw error;
    return refuse(
      `service ${action} needs administrator rights: run it from an elevated prompt ("Run as administrator")`,
    );
  } finally {
    manager?.close();
  }
}

/** Polls until the service reaches `state` or the time is up; the last status either way. */
async function waitForState(service: ServiceHandle, state: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let status = service.status();
  while (status.state !== state && Date.now() < deadline) {
    if (state === 4 && status.state === 1) break; // it stopped instead of running
    await Bun.sleep(WAIT_POLL_MS);
    status = service.status();
  }
  return status;
}

function firewallLine(name: string, port: number, exe: string): string {
  return `New-NetFirewallRule -DisplayName "iocp-echo (${name})" -Direction Inbound -Protocol TCP -LocalPort ${port} -Action Allow -Program "${exe}"`;
}

/**
 * The settings beyond CreateServiceW. Each is one ChangeServiceConfig2W
 * level; an SCM that lacks a level (Wine 8 has no delayed start and no
 * failure-actions flag) refuses it with ERROR_INVALID_LEVEL: say which were
 * skipped rather than fail the install. Returns the skipped ones.
 */
function configure(service: ServiceHandle, delayed: boolean, stopBudget: number): string[] {
  const skipped: string[] = [];
  const apply = (what: string, change: () => void) => {
    try {
      change();
    } catch (error) {
      if (!(error instanceof OsError && error.raw === ERROR_INVALID_LEVEL)) throw error;
      skipped.push(what);
    }
  };
  apply("description", () => service.setDescription("TCP echo server on I/O completion ports (iocp-echo)"));
  apply("failure actions", () =>
    service.setFailureActions({ resetPeriodSeconds: RESET_PERIOD_S, restartDelaysMs: RESTART_DELAYS_MS }),
  );
  apply("failure actions on non-zero exit", () => service.setFailureActionsOnNonCrashFailures(true));
  if (delayed) apply("delayed auto start", () => service.setDelayedAutoStart(true));
  apply("pre-shutdown timeout", () => service.setPreshutdownTimeout(stopBudget));
  return skipped;
}

/** What install did, for the operator: where things are, what recovery does, the firewall line. */
function reportInstall(r: ServiceRequest, self: string[], plan: PlannedConfig, skipped: string[]): void {
  const paths = servicePaths(r.name);
  const budget = stopBudgetMs(plan.effective.drainTimeout);
  say(`installed service ${r.name} (start: ${r.start}): ${windowsCommandLine(self, r.name)}`);
  say(`config: ${paths.config} (${plan.existed ? "kept and merged" : "created"}); edit it, then restart the service`);
  say(`logs: ${paths.logFile} (rotated at 10 MiB, 5 kept); lifecycle and errors in the Event Log, source ${r.name}`);
  say(`recovery: restart after 5 s, 10 s, 60 s; failure count reset after 1 day; pre-shutdown timeout ${budget} ms`);
  if (skipped.length > 0) say(`not supported by this Service Control Manager, skipped: ${skipped.join(", ")}`);
  say(`firewall (PowerShell, elevated): ${firewallLine(r.name, plan.effective.port, self[0]!)}`);
  say(`start it: iocp-echo service start --name ${r.name}`);
}

/**
 * Creating the service is the test for "already installed" (nothing else
 * is touched before it). Anything failing after it removes the service
 * again, so a failed install leaves no half-configured service behind.
 */
export async function install(r: ServiceRequest, self: string[]): Promise<number> {
  const paths = servicePaths(r.name);
  const plan = planConfig(paths.config, r.serveArgs); // ConfigError: exit 2, nothing changed
  return withManager(true, "install", (manager) => {
    const service = manager.create({
      name: r.name,
      displayName: `iocp-echo (${r.name})`,
      commandLine: windowsCommandLine(self, r.name),
      startType: r.start === "manual" ? StartType.Demand : StartType.Auto,
    });
    if (service === null) {
      const first = `"iocp-echo service uninstall --name ${r.name}" first`;
      return refuse(`service ${r.name} is already installed; nothing changed (${first})`);
    }
    let skipped: string[];
    try {
      skipped = configure(service, r.start === "delayed", stopBudgetMs(plan.effective.drainTimeout));
      writeConfig(paths.config, plan.file);
      mkdirSync(paths.logs, { recursive: true });
      registerEventSource(r.name);
    } catch (error) {
      service.delete();
      throw error;
    } finally {
      service.close();
    }
    reportInstall(r, self, plan, skipped);
    return 0;
  });
}

export async function uninstall(r: ServiceRequest): Promise<number> {
  const paths = servicePaths(r.name);
  return withManager(false, "uninstall", async (manager) => {
    const service = manager.open(r.name);
    if (service === null) {
      return refuse(`service ${r.name} is not installed`);
    }
    try {
      if (service.status().state !== 1) {
        say(`stopping ${r.name} (graceful drain)...`);
        const stopped = await stopAndWait(service, r.name);
        if (!stopped) return 1;
      }
      service.delete();
    } finally {
      service.close();
    }
    unregisterEventSource(r.name);
    say(`uninstalled service ${r.name} and its Event Log source`);
    say(`kept: config ${paths.config}, logs ${paths.logs} (delete them by hand if no longer needed)`);
    return 0;
  });
}

async function stopAndWait(service: ServiceHandle, name: string): Promise<boolean> {
  const config = readServiceConfig(servicePaths(name).config);
  const budget = stopBudgetMs(config?.drainTimeout ?? 5000) + 5_000;
  try {
    if (service.status().state !== 3) service.control(1);
  } catch (error) {
    if (!(error instanceof OsError && error.raw === ERROR_SERVICE_NOT_ACTIVE)) throw error;
  }
  const status = await waitForState(service, 1, budget);
  if (status.state !== 1) {
    refuse(`service ${name} did not stop within ${budget} ms (state: ${STATE_NAMES[status.state] ?? status.state})`);
    return false;
  }
  return true;
}

function stoppedReason(name: string, exit: { win32ExitCode: number; serviceExitCode: number }): string {
  const log = servicePaths(name).logFile;
  if (exit.win32ExitCode === 1066) return `it exited with code ${exit.serviceExitCode}; see ${log}`;
  return `Windows error ${exit.win32ExitCode}; see ${log}`;
}

export async function start(r: ServiceRequest): Promise<number> {
  return withManager(false, "start", async (manager) => {
    const service = manager.open(r.name);
    if (service === null) return refuse(`service ${r.name} is not installed`);
    try {
      service.start();
      const status = await waitForState(service, 4, START_WAIT_MS);
      if (status.state === 4) {
        say(`service ${r.name} is running (pid ${status.pid})`);
        return 0;
      }
      return refuse(`service ${r.name} did not start: ${stoppedReason(r.name, status)}`);
    } finally {
      service.close();
    }
  });
}

export async function stop(r: ServiceRequest): Promise<number> {
  return withManager(false, "stop", async (manager) => {
    const service = manager.open(r.name);
    if (service === null) return refuse(`service ${r.name} is not installed`);
    try {
      if (service.status().state === 1) {
        say(`service ${r.name} is already stopped`);
        return 0;
      }
      if (!(await stopAndWait(service, r.name))) return 1;
      const status = service.status();
      say(`service ${r.name} stopped${status.win32ExitCode === 0 ? "" : ` (${stoppedReason(r.name, status)})`}`);
      return 0;
    } finally {
      service.close();
    }
  });
}
