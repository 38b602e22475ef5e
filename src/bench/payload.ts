/**
 * The bytes each bench connection sends: a deterministic pseudo-random
 * stream per connection, so that every byte echoed back can be checked and a
 * wrong byte says what went wrong.
 *
 * Layout: the stream of connection `c` is a sequence of 32-bit little-endian
 * words; word `w` is `mix(((w mod 65536) << 16) | c)`, where `mix` is an
 * invertible 32-bit hash (Chris Wellons' lowbias32). Because `mix` can be
 * undone, any four bytes that are a whole word of some connection's stream
 * name that connection and the word's position: that is how an echo of
 * another connection's bytes (cross-talk) is told from a corrupted one.
 * The stream repeats every 256 KiB; a server would have to replay bytes
 * exactly 256 KiB old to go unseen.
 */

/** Connection ids fit in the low half of a word's key. */
export const MAX_STREAMS = 65536;
const PERIOD_WORDS = 65536;
/** How far a shifted echo is looked for when classifying a mismatch. */
const MAX_SHIFT = 16;
/** Bytes compared after a mismatch to classify it; fewer than 4 cannot be told apart. */
const CLASSIFY_WINDOW = 32;

export type MismatchKind = "corrupt" | "dropped" | "extra" | "crosstalk";

function mix(key: number): number {
  let x = key >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function unmix(word: number): number {
  let x = word >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x43021123);
  x ^= (x >>> 15) ^ (x >>> 30);
  x = Math.imul(x, 0x1d69e2a5);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Word `w` of stream `stream`. */
export function streamWord(stream: number, w: number): number {
  return mix((((w % PERIOD_WORDS) << 16) | stream) >>> 0);
}

/** The byte at `position` of stream `stream`. */
export function streamByte(stream: number, position: number): number {
  return (streamWord(stream, Math.floor(position / 4)) >>> ((position % 4) * 8)) & 0xff;
}

/** Writes `length` bytes of the stream from `position` into `into` at `at`. */
export function fillStream(stream: number, position: number, into: Uint8Array, at: number, length: number): void {
  let w = Math.floor(position / 4);
  let shift = (position % 4) * 8;
  let word = streamWord(stream, w);
  for (let i = 0; i < length; i++) {
    into[at + i] = (word >>> shift) & 0xff;
    shift += 8;
    if (shift === 32) {
      shift = 0;
      word = streamWord(stream, ++w);
    }
  }
}

/** Index (from `at`) of the first byte of `data` that differs from the stream at `position`, or -1. */
export function firstMismatch(stream: number, position: number, data: Uint8Array, at: number, length: number): number {
  let w = Math.floor(position / 4);
  let shift = (position % 4) * 8;
  let word = streamWord(stream, w);
  for (let i = 0; i < length; i++) {
    if (data[at + i] !== ((word >>> shift) & 0xff)) return i;
    shift += 8;
    if (shift === 32) {
      shift = 0;
      word = streamWord(stream, ++w);
    }
  }
  return -1;
}

function matches(stream: number, position: number, data: Uint8Array, at: number, length: number): boolean {
  return position >= 0 && firstMismatch(stream, position, data, at, length) === -1;
}

/** The connection whose stream holds `data[at..at+length]`, other than `own`, or -1. */
function foreignStream(own: number, streams: number, data: Uint8Array, at: number, length: number): number {
  for (let align = 0; align < 4 && align + 4 <= length; align++) {
    const i = at + align;
    const word = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    const key = unmix(word);
    const stream = key & 0xffff;
    if (stream === own || stream >= streams) continue;
    const position = (key >>> 16) * 4 - align;
    if (matches(stream, position, data, at, length)) return stream;
  }
  return -1;
}

/**
 * Why `data[at..]` (received at stream `position`, whose first byte already
 * differs) is wrong: bytes the server dropped (the stream resumes further
 * on), bytes it added (the stream resumes after them), another connection's
 * bytes, or plain corruption.
 */
export function classifyMismatch(
  stream: number,
  streams: number,
  position: number,
  data: Uint8Array,
  at: number,
  available: number,
): MismatchKind {
  const length = Math.min(available, CLASSIFY_WINDOW);
  if (length < 4) return "corrupt";
  for (let shift = 1; shift <= MAX_SHIFT; shift++) {
    if (matches(stream, position + shift, data, at, length)) return "dropped";
  }
  for (let shift = 1; shift <= MAX_SHIFT && length - shift >= 4; shift++) {
    if (matches(stream, position, data, at + shift, length - shift)) return "extra";
  }
  return foreignStream(stream, streams, data, at, length) >= 0 ? "crosstalk" : "corrupt";
}
