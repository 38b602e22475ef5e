/**
 * What a `bench --udp` datagram carries and how its echo is checked. Layout
 * (`--size` bytes, at least DATAGRAM_MIN_BYTES):
 *
 *   [0, 8)      the sequence number, u64 little-endian, from 0 per socket
 *   [8, size)   the socket's stream (payload.ts) from position seq * size + 8
 *
 * The body depends on the sequence number, so a datagram whose header was
 * damaged does not pass as another one of ours; and a datagram that is
 * another socket's, whole, is told from a corrupted one by the stream it
 * belongs to (payload.ts's otherStreamAt).
 */
import { fillStream, firstMismatch, otherStreamAt } from "./payload.ts";

export const HEADER_BYTES = 8;
/** A header and enough body (8 bytes) for cross-talk to be told from corruption. */
export const DATAGRAM_MIN_BYTES = 16;
/** The largest UDP payload over IPv4 (65,535 - 20 - 8). */
export const DATAGRAM_MAX_BYTES = 65_507;

/** Why an echoed datagram is wrong, as the report's error kinds name it. */
export type DatagramFault = "corrupt" | "dropped" | "extra" | "crosstalk";

/** Writes datagram `seq` of `stream`, `size` bytes, at `into[at]`. */
export function writeDatagram(stream: number, seq: number, size: number, into: Uint8Array, at: number): void {
  const view = new DataView(into.buffer, into.byteOffset + at, HEADER_BYTES);
  view.setUint32(0, seq >>> 0, true);
  view.setUint32(4, Math.floor(seq / 2 ** 32), true);
  fillStream(stream, seq * size + HEADER_BYTES, into, at + HEADER_BYTES, size - HEADER_BYTES);
}

/** The sequence number a datagram of at least HEADER_BYTES says it is. */
export function readSeq(data: Uint8Array, at: number): number {
  const lo = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
  const hi = data[at + 4]! | (data[at + 5]! << 8) | (data[at + 6]! << 16) | (data[at + 7]! << 24);
  return (hi >>> 0) * 2 ** 32 + (lo >>> 0);
}

/**
 * Checks an echoed datagram of `length` bytes against `stream`'s datagrams
 * of `size`: null when it is exactly one of them (which one: `readSeq`), or
 * what is wrong with it. A short one is "dropped" (cut), a long one "extra";
 * one that is exactly a datagram of another of the run's `streams` is
 * "crosstalk".
 */
export function checkDatagram(
  stream: number,
  streams: number,
  size: number,
  data: Uint8Array,
  at: number,
  length: number,
): DatagramFault | null {
  if (length < size) return "dropped";
  if (length > size) return "extra";
  const seq = readSeq(data, at);
  const position = seq * size + HEADER_BYTES;
  const body = size - HEADER_BYTES;
  if (firstMismatch(stream, position, data, at + HEADER_BYTES, body) === -1) return null;
  const other = otherStreamAt(stream, position, data, at + HEADER_BYTES, body);
  return other === -1 || other >= streams ? "corrupt" : "crosstalk";
}
