/**
 * The config file an installed service reads, written by `service install`:
 * the serve options given to install, merged over the file's current
 * content when it exists (an operator's edits survive a reinstall), checked
 * with serve's own schema before anything is written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, type EchoConfig, parseCli } from "../config.ts";

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The options named on the command line (`--port 7` or `--port=7`), with their checked values. */
function namedOptions(args: string[], config: EchoConfig): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  for (const arg of args) {
    const match = /^--([a-z-]+)(?:=|$)/.exec(arg);
    if (match === null) continue;
    const key = camel(match[1]!);
    if (key in config) named[key] = config[key as keyof EchoConfig];
  }
  return named;
}

export interface PlannedConfig {
  /** What the service will run with: file < flags, defaults beneath. */
  effective: EchoConfig;
  /** The JSON to write: the file's keys, then the options given. */
  file: Record<string, unknown>;
  existed: boolean;
}

/** Checks the serve options against the existing file; throws ConfigError (exit 2) on anything wrong. */
export function planConfig(path: string, serveArgs: string[]): PlannedConfig {
  const existed = existsSync(path);
  if (serveArgs.some((a) => a === "--config" || a.startsWith("--config="))) {
    throw new ConfigError(`--config: a service reads ${path}; give the options themselves to install`);
  }
  const request = parseCli(existed ? ["--config", path, ...serveArgs] : serveArgs, {});
  if (request.kind !== "run") throw new ConfigError(`${serveArgs.join(" ")}: not a serve option for install`);
  const current = existed ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : {};
  const file = { ...current, ...namedOptions(serveArgs, request.config) };
  return { effective: request.config, file, existed };
}

export function writeConfig(path: string, file: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

/** The admin address a status report names: the file's, or the defaults. */
export function readServiceConfig(path: string): EchoConfig | null {
  try {
    const request = parseCli(["--config", path], {});
    return request.kind === "run" ? request.config : null;
  } catch {
    return null;
  }
}
