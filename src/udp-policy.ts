/**
 * What the UDP echo refuses to answer, and how fast it answers one source.
 * Pure: no sockets, no clock (the caller passes the time), no bun:ffi.
 *
 * An echo service is the classic reflection weapon (CERT CA-1996-01, the
 * echo/chargen "packet storm"): a datagram forged to come from another
 * echo, daytime, quote or chargen port makes two such services answer each
 * other for ever, and a forged victim address turns the server into an
 * amplifier. So:
 *
 * - a datagram whose source port is 0, 7 (echo), 13 (daytime), 17 (quote
 *   of the day) or 19 (chargen) is dropped: no real client sends from them;
 * - a datagram whose source port is the server's own echo port is dropped:
 *   it comes from this server itself, or from another echo on the same port,
 *   which is the same loop (this covers "from our own address and port");
 * - `--udp-rate N` caps the datagrams per second answered per source
 *   address with a token bucket (one second's worth of burst).
 *
 * The rate table is fixed-size (bounded memory whatever the number of
 * sources): a source hashes to a short run of entries; when none of them is
 * its own or free, the least recently seen one is taken over. A flood from
 * many sources can therefore evict a quiet source's entry, which gives that
 * source a fresh bucket: the limit errs towards answering, never towards
 * unbounded memory.
 */

/** Why a datagram was not echoed; indices into the dropped-by-reason counters. */
export const UdpDrop = {
  /** Source port 0, 7, 13, 17 or 19. */
  ReflectionPort: 0,
  /** Source port equal to the server's own echo port. */
  OwnPort: 1,
  /** Over `--udp-rate` for its source address. */
  Rate: 2,
  /** Larger than the receive buffer (MSG_TRUNC, WSAEMSGSIZE): never echoed cut short. */
  Truncated: 3,
} as const;
export type UdpDrop = (typeof UdpDrop)[keyof typeof UdpDrop];
export const UDP_DROP_REASONS = ["reflection_port", "own_port", "rate", "truncated"] as const;

/** Ports of the RFC 862/867/865/864 services and port 0: never a client's. */
export const REFLECTION_PORTS: readonly number[] = [0, 7, 13, 17, 19];

/** The reason to drop a datagram from `sourcePort`, or -1 to answer it. */
export function reflectionDrop(sourcePort: number, serverPort: number): number {
  if (sourcePort === serverPort) return UdpDrop.OwnPort;
  if (sourcePort <= 19 && REFLECTION_PORTS.includes(sourcePort)) return UdpDrop.ReflectionPort;
  return -1;
}

/** `--udp-rate` default: generous enough for any test tool, still a bound per source. */
export const DEFAULT_UDP_RATE = 10_000;
export const MAX_UDP_RATE = 1_000_000;

const AF_INET = 2;

/**
 * A source's address as four 32-bit words, read from a sockaddr_in or
 * sockaddr_in6 at `offset`. IPv4 is written as its v4-mapped IPv6 form
 * (::ffff:a.b.c.d), so one client seen through a dual-stack socket or a
 * plain IPv4 one has one key. `af6` is the platform's AF_INET6.
 */
export function readSourceKey(view: DataView, offset: number, af6: number, out: Uint32Array): boolean {
  const family = view.getUint16(offset, true);
  if (family === AF_INET) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = view.getUint32(offset + 4, false);
    return true;
  }
  if (family !== af6) return false;
  for (let i = 0; i < 4; i++) out[i] = view.getUint32(offset + 8 + i * 4, false);
  return true;
}

/** Words per entry: lock, used, key x4, tokens (thousandths), last refill (ms, wrapping). */
const WORDS = 8;
const W = { Lock: 0, Used: 1, Key: 2, Tokens: 6, Last: 7 } as const;
/** Entries looked at per source before one is taken over. */
const PROBE = 4;
const MILLI = 1000;
/** How far behind another worker's clock reading one may be (a long batch), in ms. */
const STALE_CLOCK_MS = 60_000;

/**
 * Per-source token buckets in a fixed table. The memory may be a
 * SharedArrayBuffer shared by every worker (any worker may receive any
 * source's datagram): each entry has its own spin lock, held for a few
 * arithmetic operations, so workers never see half an update.
 */
export class SourceRateTable {
  readonly entries: number;
  private readonly words: Int32Array;
  private readonly capacityMilli: number;

  /** `ratePerSecond` 0 turns the cap off; `seed` varies the hash so sources cannot aim at one run. */
  constructor(
    buffer: ArrayBufferLike,
    readonly ratePerSecond: number,
    private readonly seed = 0x9e3779b9,
  ) {
    this.words = new Int32Array(buffer);
    this.entries = Math.floor(this.words.length / WORDS);
    if (this.entries < PROBE || (this.entries & (this.entries - 1)) !== 0) {
      throw new RangeError(`a rate table needs a power-of-two number of entries, at least ${PROBE}`);
    }
    // One second's worth of burst, at least one datagram.
    this.capacityMilli = Math.max(1, ratePerSecond) * MILLI;
  }

  static bytesFor(entries: number): number {
    return entries * WORDS * 4;
  }

  /** Whether one more datagram from `key` may be answered at time `nowMs`; takes its token if so. */
  admit(key: Uint32Array, nowMs: number): boolean {
    if (this.ratePerSecond === 0) return true;
    const now = nowMs | 0;
    const entry = this.find(key, now);
    const base = entry * WORDS;
    this.lock(base);
    try {
      const w = this.words;
      if (!this.holds(base, key)) {
        // Taken over since find() chose it, or new: a full bucket for this source.
        w[base + W.Used] = 1;
        for (let i = 0; i < 4; i++) w[base + W.Key + i] = key[i]! | 0;
        w[base + W.Tokens] = this.capacityMilli;
        w[base + W.Last] = now;
      }
      // Workers read the clock once per batch, so one may pass a time a
      // little older than the last another stored: that refills nothing and
      // never moves the time back (else the same interval would refill
      // twice). Far in the past means the 32-bit milliseconds wrapped (a
      // source silent for 24 days): a full bucket.
      let elapsed = (now - w[base + W.Last]!) | 0;
      if (elapsed < -STALE_CLOCK_MS) elapsed = MILLI;
      if (elapsed < 0) elapsed = 0;
      else w[base + W.Last] = now;
      const refill = Math.min(this.capacityMilli, elapsed * this.ratePerSecond);
      const tokens = Math.min(this.capacityMilli, w[base + W.Tokens]! + refill);
      if (tokens < MILLI) {
        w[base + W.Tokens] = tokens;
        return false;
      }
      w[base + W.Tokens] = tokens - MILLI;
      return true;
    } finally {
      Atomics.store(this.words, base + W.Lock, 0);
    }
  }

  /** The entry for `key`: its own, else a free one in its run, else the least recently seen. */
  private find(key: Uint32Array, now: number): number {
    const mask = this.entries - 1;
    const start = this.hash(key) & mask;
    let victim = start;
    let oldest = -1;
    // Read without the locks: admit() checks the choice again under its lock.
    for (let i = 0; i < PROBE; i++) {
      const entry = (start + i) & mask;
      const base = entry * WORDS;
      if (this.holds(base, key)) return entry;
      if (Atomics.load(this.words, base + W.Used) === 0) return entry;
      const age = (now - this.words[base + W.Last]!) | 0;
      if (age > oldest) {
        oldest = age;
        victim = entry;
      }
    }
    return victim;
  }

  private holds(base: number, key: Uint32Array): boolean {
    const w = this.words;
    return (
      w[base + W.Used] === 1 &&
      w[base + W.Key] === (key[0]! | 0) &&
      w[base + W.Key + 1] === (key[1]! | 0) &&
      w[base + W.Key + 2] === (key[2]! | 0) &&
      w[base + W.Key + 3] === (key[3]! | 0)
    );
  }

  private hash(key: Uint32Array): number {
    let h = this.seed | 0;
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ key[i]!, 0x85ebca6b);
      h ^= h >>> 13;
    }
    return (Math.imul(h, 0xc2b2ae35) ^ (h >>> 16)) >>> 0;
  }

  private lock(base: number): void {
    while (Atomics.compareExchange(this.words, base + W.Lock, 0, 1) !== 0);
  }
}
