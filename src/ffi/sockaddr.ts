/**
 * sockaddr_in / sockaddr_in6 bytes, the same on Linux and Windows but for
 * the AF_INET6 number. Pure: writes into memory the caller owns.
 */
import { isIPv4 } from "node:net";

export const SOCKADDR_IN_BYTES = 16;
export const SOCKADDR_IN6_BYTES = 28;

/** "::1" -> 16 bytes. The config has already checked it is an IPv6 literal. */
export function ipv6Bytes(host: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head = "", tail] = host.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  for (const [i, g] of all.entries()) {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  return out;
}

/**
 * Writes a sockaddr for host:port at `offset`; returns whether it is IPv6
 * and its length. `af6` is the platform's AF_INET6 (10 Linux, 23 Windows).
 */
export function writeSockaddr(
  view: DataView,
  offset: number,
  host: string,
  port: number,
  af6: number,
): { v6: boolean; length: number } {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, SOCKADDR_IN6_BYTES);
  bytes.fill(0);
  view.setUint16(offset + 2, port, false); // network order
  if (isIPv4(host)) {
    view.setUint16(offset, 2, true); // AF_INET on both
    bytes.set(host.split(".").map(Number), 4);
    return { v6: false, length: SOCKADDR_IN_BYTES };
  }
  view.setUint16(offset, af6, true);
  bytes.set(ipv6Bytes(host), 8);
  return { v6: true, length: SOCKADDR_IN6_BYTES };
}

/** The port of a sockaddr (either family), as getsockname left it. */
export function sockaddrPort(view: DataView, offset: number): number {
  return view.getUint16(offset + 2, false);
}

export function formatAddress(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
