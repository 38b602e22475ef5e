/**
 * The bytes each bench connection sends: a deterministic pseudo-random
 * stream per connection, so that every byte echoed back can be checked and a
 * wrong byte says what went wrong.
 *
 * Layout: one pseudo-random pattern of 1 MiB whose 32-bit little-endian
 * word `i` is `mix(i)`, where `mix` is an invertible 32-bit hash (Chris
 * Wellons' lowbias32); connection `c`'s stream is the pattern read in a
 * circle from offset `c * 40503`. Because `mix` can be undone, any four
 * bytes that are a whole word of the pattern say where in it they come
 * from: that is how bytes that belong elsewhere (another connection's:
 * cross-talk) are told from corrupted ones. A stream repeats every 1 MiB; a
 * server would have to drop or replay exactly a multiple of that to go
 * unseen, and even then the byte count gives it away.
 */

/** The pattern's length: each connection's stream repeats after this many bytes. */
const PATTERN_BYTES = 1 << 20;
/** The pattern twice over (see `pattern`), as a queue holds it for the TCP loop: ClientParams.patternBytes. */
export const PATTERN_COPY_BYTES = 2 * PATTERN_BYTES;
const PATTERN_WORDS = PATTERN_BYTES / 4;
/**
 * Where each connection starts in the pattern, as a multiple of this odd
 * stride: distinct for up to 2^20 connections, and never word-aligned with
 * each other in the same way, so one connection's bytes are never another's.
 */
const STRIDE_BYTES = 40_503;
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

/**
 * The pattern twice over, so any run of up to PATTERN_BYTES from any offset
 * is one contiguous view. The TCP loop sends from a copy of it in the
 * queue's memory (PatternCopy); this one fills datagrams, and finds and
 * names a difference. Built once per thread, on first use.
 */
let doubled: Buffer | null = null;

/** Builds this thread's pattern now, so that the first send of a measured run does not pay for it. */
export function preparePattern(): void {
  pattern();
}

function pattern(): Buffer {
  if (doubled !== null) return doubled;
  const words = new Uint32Array(PATTERN_WORDS * 2);
  for (let i = 0; i < PATTERN_WORDS; i++) words[i] = words[i + PATTERN_WORDS] = mix(i);
  doubled = Buffer.from(words.buffer);
  return doubled;
}

/**
 * A copy of the doubled pattern in native memory beside the received bytes
 * (a ClientQueue with patternBytes), and a native compare of two ranges of
 * that memory. With it a send goes straight from the pattern and an echo is
 * checked in one call, as the C load client does: no per-message copy into a
 * send area, no Buffer.compare (about 100 ns a call in Bun at any length).
 */
export interface PatternCopy {
  readonly memory: Uint8Array;
  readonly patternAt: number;
  same(a: number, b: number, length: number): boolean;
}

/** Writes the doubled pattern into `copy`'s memory at its patternAt. */
export function writePattern(copy: PatternCopy): void {
  copy.memory.set(pattern(), copy.patternAt);
}

/**
 * Where in `copy`'s memory stream `stream` continues from `position`: the
 * next PATTERN_BYTES of the stream lie there contiguously.
 */
export function streamAt(copy: PatternCopy, stream: number, position: number): number {
  return copy.patternAt + patternOffset(stream, position);
}

/** Whether `copy.memory[at, at + length)` is stream `stream` from `position`: native compares of up to 1 MiB each. */
export function echoMatches(copy: PatternCopy, stream: number, position: number, at: number, length: number): boolean {
  for (let done = 0; done < length; ) {
    const n = Math.min(length - done, PATTERN_BYTES);
    if (!copy.same(at + done, streamAt(copy, stream, position + done), n)) return false;
    done += n;
  }
  return true;
}

/**
 * Where stream byte `position` of connection `stream` sits in the pattern.
 * The sum stays below 2^53, so it is exact; and PATTERN_BYTES is a power of
 * two, so dividing by it, flooring and multiplying back are exact too. `%`
 * on a position past int32 compiled to a 64-bit division, the costliest
 * instruction of the client's send and receive paths (tens of cycles; two
 * of them per message, seen in a perf profile of the JIT's code).
 */
function patternOffset(stream: number, position: number): number {
  const x = stream * STRIDE_BYTES + position;
  return x - Math.floor(x / PATTERN_BYTES) * PATTERN_BYTES;
}

/** The byte at `position` of stream `stream`. */
export function streamByte(stream: number, position: number): number {
  return pattern()[patternOffset(stream, position)]!;
}

/** Writes `length` bytes of the stream from `position` into `into` at `at`. */
export function fillStream(stream: number, position: number, into: Uint8Array, at: number, length: number): void {
  const p = pattern();
  for (let done = 0; done < length; ) {
    const n = Math.min(length - done, PATTERN_BYTES);
    const from = patternOffset(stream, position + done);
    p.copy(into, at + done, from, from + n); // a native copy, and no view made per send
    done += n;
  }
}

/** Index (from `at`) of the first byte of `data` that differs from the stream at `position`, or -1. */
export function firstMismatch(stream: number, position: number, data: Uint8Array, at: number, length: number): number {
  const p = pattern();
  for (let done = 0; done < length; ) {
    const n = Math.min(length - done, PATTERN_BYTES);
    const from = patternOffset(stream, position + done);
    // The native compare settles the common case (and allocates nothing); the byte loop runs only to find a known difference.
    if (p.compare(data, at + done, at + done + n, from, from + n) !== 0) {
      for (let i = 0; i < n; i++) if (data[at + done + i] !== p[from + i]) return done + i;
    }
    done += n;
  }
  return -1;
}

function matches(stream: number, position: number, data: Uint8Array, at: number, length: number): boolean {
  return position >= 0 && firstMismatch(stream, position, data, at, length) === -1;
}

/**
 * Where in the pattern `data[at..at+length]` is a run of it, other than at
 * `own`; -1 when it is none (at least four bytes are needed to tell).
 */
function locatePattern(own: number, data: Uint8Array, at: number, length: number): number {
  const p = pattern();
  for (let align = 0; align < 4 && align + 4 <= length; align++) {
    const i = at + align;
    const word = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    const index = unmix(word);
    if (index >= PATTERN_WORDS) continue;
    const from = index * 4 - align + (align > index * 4 ? PATTERN_BYTES : 0);
    if (from === own) continue;
    if (p.compare(data, at, at + length, from, from + length) === 0) return from;
  }
  return -1;
}

function misplacedPattern(own: number, data: Uint8Array, at: number, length: number): boolean {
  return locatePattern(own, data, at, length) !== -1;
}

/** STRIDE_BYTES's inverse modulo 2^32 (Newton's iteration; each step doubles the correct low bits). */
const STRIDE_INVERSE = [0, 1, 2, 3, 4].reduce((x) => Math.imul(x, 2 - Math.imul(STRIDE_BYTES, x)), STRIDE_BYTES);

/**
 * The stream other than `own` whose bytes from `position` are exactly
 * `data[at..at+length]`, or -1. A datagram's echo is checked with this: a
 * whole datagram of another connection's is cross-talk, anything else that
 * differs is corruption.
 */
export function otherStreamAt(own: number, position: number, data: Uint8Array, at: number, length: number): number {
  const from = locatePattern(patternOffset(own, position), data, at, length);
  if (from === -1) return -1;
  const start = (from - (position % PATTERN_BYTES) + PATTERN_BYTES) % PATTERN_BYTES;
  return Math.imul(start, STRIDE_INVERSE) & (PATTERN_BYTES - 1);
}

/**
 * Why `data[at..]` (received at stream `position`, whose first byte already
 * differs) is wrong: bytes the server dropped (the stream resumes further
 * on), bytes it added (the stream resumes after them), bytes that belong
 * elsewhere (another connection's, which is all an echo server can mix up),
 * or plain corruption.
 */
export function classifyMismatch(
  stream: number,
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
  return misplacedPattern(patternOffset(stream, position), data, at, length) ? "crosstalk" : "corrupt";
}
