/**
 * The config file an installed service reads, written by `service install`:
 * the serve options given to install (parsed from flags alone by serve's
 * own table), merged over the file's current content when it exists (an
 * operator's edits survive a reinstall), all checked before anything is
 * written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, type EchoConfig, parseServeArgs } from "../config.ts";

export interface PlannedConfig {
  /** What the service will run with: defaults < file < the options given. */
  effective: EchoConfig;
  /** The JSON to write: the file's keys, then the options given. */
  file: Record<string, unknown>;
  existed: boolean;
}

/** Checks the serve options (and the existing file with them); throws ConfigError (exit 2) on anything wrong. */
export function planConfig(path: string, serveArgs: string[]): PlannedConfig {
  if (serveArgs.some((a) => a === "--config" || a.startsWith("--config="))) {
    throw new ConfigError(`--config: a service reads ${path}; give the options themselves to install`);
  }
  const flags = parseServeArgs(serveArgs, {});
  if (flags.kind !== "run") throw new ConfigError(`service install: --${flags.kind} is not an option to install`);
  const existed = existsSync(path);
  if (!existed) return { effective: flags.values, file: { ...flags.given }, existed };
  const merged = parseServeArgs(["--config", path, ...serveArgs], { configFile: true });
  if (merged.kind !== "run") throw new ConfigError(`service install: cannot merge ${path}`);
  const current = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  return { effective: merged.values, file: { ...current, ...flags.given }, existed };
}

export function writeConfig(path: string, file: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

/**
 * A service's configuration as the service reads it: the file, then
 * IOCP_ECHO_* from `env` (serve's precedence). Throws ConfigError.
 */
export function loadServiceConfig(path: string, env: Record<string, string | undefined>): EchoConfig {
  const request = parseServeArgs(["--config", path], { env, configFile: true });
  if (request.kind !== "run") throw new ConfigError(`${path}: not a configuration`);
  return request.values;
}

/** For status reports: the file's configuration, or null when it is missing or refused. */
export function readServiceConfig(path: string): EchoConfig | null {
  try {
    return loadServiceConfig(path, {});
  } catch {
    return null;
  }
}
