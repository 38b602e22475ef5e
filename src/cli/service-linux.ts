/**
 * `service install|uninstall|start|stop|status` on Linux, through systemd:
 * a unit file, the config file it points at, and systemctl. serve itself
 * speaks the notify protocol (src/service/serve-notify.ts), so the unit is
 * Type=notify. Exit codes as on Windows: 1 refused or failed, 2 bad options.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { adminUrl, linuxServicePaths } from "../service/service-paths.ts";
import { unitText } from "../service/systemd-unit.ts";
import { planConfig, readServiceConfig, writeConfig } from "./service-config.ts";
import type { ServiceRequest } from "./service-request.ts";

/** sd_booted(3)'s test: systemd is the running init when this directory exists. */
const SYSTEMD_RUNTIME = "/run/systemd/system";

const say = (line: string) => process.stdout.write(`${line}\n`);
/** Says why on stderr; returns exit code 1. */
const refuse = (line: string): number => {
  process.stderr.write(`iocp-echo: ${line}\n`);
  return 1;
};

/** Why service commands cannot run here, or null. */
function systemdProblem(action: string): string | null {
  if (existsSync(SYSTEMD_RUNTIME) && Bun.which("systemctl") !== null) return null;
  return `service ${action}: systemd is not running on this machine (no ${SYSTEMD_RUNTIME}); run "iocp-echo serve" under your init system instead`;
}

function systemctl(args: string[]): { ok: boolean; output: string } {
  const p = Bun.spawnSync(["systemctl", ...args], { stdout: "pipe", stderr: "pipe" });
  return { ok: p.exitCode === 0, output: `${p.stdout.toString()}${p.stderr.toString()}`.trim() };
}

function needRoot(action: string): boolean {
  if (process.getuid?.() === 0) return true;
  refuse(`service ${action} needs root: run it with sudo`);
  return false;
}

/** Runs systemctl; on failure says what failed and returns false. */
function step(args: string[]): boolean {
  const result = systemctl(args);
  if (!result.ok) refuse(`systemctl ${args.join(" ")} failed: ${result.output}`);
  return result.ok;
}

export function install(r: ServiceRequest, self: string[]): number {
  const paths = linuxServicePaths(r.name);
  const plan = planConfig(paths.config, r.serveArgs); // ConfigError: exit 2, nothing changed
  const problem = systemdProblem("install");
  if (problem !== null) return refuse(problem);
  if (!needRoot("install")) return 1;
  if (existsSync(paths.unit)) {
    refuse(`service ${r.name} is already installed (${paths.unit}); nothing changed`);
    return 1;
  }
  writeConfig(paths.config, plan.file);
  mkdirSync(dirname(paths.unit), { recursive: true });
  const [binary, ...script] = self;
  const unit = unitText({
    name: r.name,
    binary: binary!,
    preArgs: script,
    configPath: paths.config,
    drainTimeoutMs: plan.effective.drainTimeout,
  });
  writeFileSync(paths.unit, unit);
  if (!step(["daemon-reload"])) return 1;
  if (r.start !== "manual" && !step(["enable", `${r.name}.service`])) return 1;
  say(`installed ${paths.unit} (Type=notify, Restart=on-failure)${r.start === "manual" ? "" : ", enabled at boot"}`);
  say(`config: ${paths.config} (${plan.existed ? "kept and merged" : "created"}); edit it, then restart the service`);
  say(`logs: journalctl -u ${r.name}`);
  say(`start it: iocp-echo service start --name ${r.name}`);
  return 0;
}

export function uninstall(r: ServiceRequest): number {
  const paths = linuxServicePaths(r.name);
  const problem = systemdProblem("uninstall");
  if (problem !== null) return refuse(problem);
  if (!needRoot("uninstall")) return 1;
  if (!existsSync(paths.unit)) return refuse(`service ${r.name} is not installed (${paths.unit})`);
  // stop waits for the drain (KillSignal=SIGINT, TimeoutStopSec above the drain timeout).
  if (!step(["disable", "--now", `${r.name}.service`])) return 1;
  rmSync(paths.unit);
  if (!step(["daemon-reload"])) return 1;
  say(`uninstalled ${r.name}; kept config ${paths.config} and the journal (journalctl -u ${r.name})`);
  return 0;
}

export function start(r: ServiceRequest): number {
  const problem = systemdProblem("start");
  if (problem !== null) return refuse(problem);
  if (!step(["start", `${r.name}.service`])) return 1;
  say(`service ${r.name} is running`);
  return 0;
}

export function stop(r: ServiceRequest): number {
  const problem = systemdProblem("stop");
  if (problem !== null) return refuse(problem);
  if (!step(["stop", `${r.name}.service`])) return 1;
  say(`service ${r.name} stopped`);
  return 0;
}

export function status(r: ServiceRequest): number {
  const problem = systemdProblem("status");
  if (problem !== null) return refuse(problem);
  const paths = linuxServicePaths(r.name);
  const shown = systemctl([
    "show",
    `${r.name}.service`,
    "--property=LoadState,ActiveState,SubState,MainPID,UnitFileState",
  ]);
  const props = Object.fromEntries(shown.output.split("\n").map((l) => l.split("=", 2) as [string, string]));
  if (!shown.ok || props.LoadState === "not-found") {
    if (r.json) say(JSON.stringify({ name: r.name, installed: false }));
    else refuse(`service ${r.name} is not installed`);
    return 1;
  }
  const config = readServiceConfig(paths.config);
  const report = {
    name: r.name,
    installed: true,
    state: props.ActiveState === "active" ? "running" : (props.ActiveState ?? "unknown"),
    pid: Number(props.MainPID ?? 0) || null,
    startType: props.UnitFileState === "enabled" ? "auto" : "manual",
    config: paths.config,
    admin: config === null ? null : adminUrl(config.adminHost, config.adminPort),
  };
  if (r.json) say(JSON.stringify(report));
  else for (const [key, value] of Object.entries(report)) say(`${key.padEnd(10)} ${value}`);
  return 0;
}
