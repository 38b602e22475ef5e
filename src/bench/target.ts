/**
 * `--target HOST:PORT`: HOST is a name, an IPv4 address or a bracketed IPv6
 * address (`[::1]:6000`), as in URLs; a bare IPv6 address is refused because
 * its last group could not be told from the port.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export interface Target {
  host: string;
  port: number;
}

export interface ResolvedTarget extends Target {
  /** The address connections go to. */
  address: string;
  family: 4 | 6;
}

/** Why a --target value is refused; null when it is fine. */
export function targetProblem(text: string): string | null {
  const parsed = splitTarget(text);
  return typeof parsed === "string" ? parsed : null;
}

export function parseTarget(text: string): Target {
  const parsed = splitTarget(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

function splitTarget(text: string): Target | string {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) return `${bracketed[1]} in brackets is not an IPv6 address`;
    return withPort(bracketed[1]!, bracketed[2]!);
  }
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return "must be HOST:PORT, such as 127.0.0.1:6000, localhost:6000 or [::1]:6000";
  const host = text.slice(0, colon);
  if (host.includes(":")) return "an IPv6 address goes in brackets: [::1]:6000";
  if (!/^\d{1,5}$/.test(text.slice(colon + 1))) return "the port must be a number from 1 to 65535";
  if (
    isIP(host) === 0 &&
    !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)
  )
    return `${JSON.stringify(host)} is neither an IP address nor a host name`;
  return withPort(host, text.slice(colon + 1));
}

function withPort(host: string, digits: string): Target | string {
  const port = Number(digits);
  if (port < 1 || port > 65535) return "the port must be a number from 1 to 65535";
  return { host, port };
}

/** Resolves a name once, before any connection; the first address the resolver gives wins. */
export async function resolveTarget(target: Target): Promise<ResolvedTarget> {
  const literal = isIP(target.host);
  if (literal === 4 || literal === 6) return { ...target, address: target.host, family: literal };
  const found = await lookup(target.host);
  return { ...target, address: found.address, family: found.family === 6 ? 6 : 4 };
}
