import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readSourceKey, reflectionDrop, SourceRateTable, UdpDrop } from "../../src/udp-policy.ts";

const SERVER_PORT = 6000;
const key = (a: number, b = 0) => Uint32Array.of(0, 0, 0xffff, (a * 2654435761 + b) >>> 0);
const table = (rate: number, entries = 64) =>
  new SourceRateTable(new ArrayBuffer(SourceRateTable.bytesFor(entries)), rate);

describe("the reflection filter", () => {
  test("drops the echo, daytime, quote, chargen ports and port 0", () => {
    for (const port of [0, 7, 13, 17, 19]) expect(reflectionDrop(port, SERVER_PORT)).toBe(UdpDrop.ReflectionPort);
  });

  test("drops the server's own port, which covers datagrams from itself", () => {
    expect(reflectionDrop(SERVER_PORT, SERVER_PORT)).toBe(UdpDrop.OwnPort);
    expect(reflectionDrop(7, 7)).toBe(UdpDrop.OwnPort);
  });

  test("answers every other source port", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 65535 }), (port, server) => {
        const dropped = reflectionDrop(port, server) !== -1;
        expect(dropped).toBe(port === server || [0, 7, 13, 17, 19].includes(port));
      }),
    );
  });
});

describe("source keys", () => {
  test("an IPv4 source reads as its v4-mapped IPv6 form, so both families share a bucket", () => {
    const bytes = new DataView(new ArrayBuffer(28));
    bytes.setUint16(0, 2, true);
    bytes.setUint16(2, 5555, false);
    new Uint8Array(bytes.buffer).set([127, 0, 0, 1], 4);
    const v4 = new Uint32Array(4);
    expect(readSourceKey(bytes, 0, 10, v4)).toBe(true);
    const mapped = new DataView(new ArrayBuffer(28));
    mapped.setUint16(0, 10, true);
    new Uint8Array(mapped.buffer).set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1], 8);
    const v6 = new Uint32Array(4);
    expect(readSourceKey(mapped, 0, 10, v6)).toBe(true);
    expect([...v4]).toEqual([...v6]);
  });

  test("an unknown family is refused", () => {
    const bytes = new DataView(new ArrayBuffer(28));
    bytes.setUint16(0, 1, true); // AF_UNIX
    expect(readSourceKey(bytes, 0, 10, new Uint32Array(4))).toBe(false);
  });
});

describe("the per-source token bucket", () => {
  test("rate 0 answers everything", () => {
    const t = table(0);
    for (let i = 0; i < 10_000; i++) expect(t.admit(key(1), 0)).toBe(true);
  });

  test("a burst gets one second's worth, then the rate", () => {
    const t = table(100);
    let admitted = 0;
    for (let i = 0; i < 1000; i++) admitted += t.admit(key(1), 5) ? 1 : 0;
    expect(admitted).toBe(100);
    expect(t.admit(key(1), 5)).toBe(false);
    expect(t.admit(key(1), 15)).toBe(true); // 10 ms at 100/s: one token
    expect(t.admit(key(1), 15)).toBe(false);
  });

  test("another source is unaffected by a flood", () => {
    const t = table(100);
    for (let i = 0; i < 1000; i++) t.admit(key(1), 0);
    let other = 0;
    for (let i = 0; i < 50; i++) other += t.admit(key(2), 0) ? 1 : 0;
    expect(other).toBe(50);
  });

  test("the time a clock wraps through 2^31 ms does not stop a source", () => {
    const t = table(10);
    const near = 2 ** 31 - 5;
    for (let i = 0; i < 10; i++) expect(t.admit(key(3), near)).toBe(true);
    expect(t.admit(key(3), near)).toBe(false);
    expect(t.admit(key(3), near + 1000)).toBe(true);
  });

  test("property: over any schedule, a source gets at most burst + rate x elapsed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.record({ source: fc.integer({ min: 0, max: 3 }), gap: fc.integer({ min: 0, max: 50 }) }), {
          maxLength: 400,
        }),
        (rate, schedule) => {
          // Few sources in a table larger than them: no evictions, exact accounting.
          const t = table(rate, 64);
          const admitted = [0, 0, 0, 0];
          const first = [-1, -1, -1, -1];
          let now = 1000;
          for (const { source, gap } of schedule) {
            now += gap;
            if (first[source] === -1) first[source] = now;
            if (t.admit(key(source), now)) admitted[source]!++;
          }
          for (let s = 0; s < 4; s++) {
            if (first[s] === -1) continue;
            expect(admitted[s]!).toBeLessThanOrEqual(rate + Math.floor(((now - first[s]!) * rate) / 1000) + 1);
          }
        },
      ),
    );
  });

  test("property: a source that keeps within its rate is never dropped, whatever the others do", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 300 }),
        (rate, noise) => {
          const t = table(rate, 64);
          const spacing = Math.ceil(1000 / rate);
          let now = 0;
          for (const n of noise) {
            for (let i = 0; i < n; i++) t.admit(key(9, i + 1), now); // other sources flooding
            expect(t.admit(key(9), now)).toBe(true);
            now += spacing;
          }
        },
      ),
    );
  });

  test("property: memory is fixed; any number of sources finds an entry and nothing throws", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 2000 }), (sources) => {
        const t = table(5, 16);
        let now = 0;
        for (const s of sources) {
          t.admit(key(s), now++);
        }
        expect(t.entries).toBe(16);
        // A source just seen keeps its entry: its next datagram at once is judged by its own bucket.
        if (sources.length > 0) {
          const last = key(sources.at(-1)!);
          let admitted = 0;
          for (let i = 0; i < 10; i++) admitted += t.admit(last, now) ? 1 : 0;
          expect(admitted).toBeLessThanOrEqual(5);
        }
      }),
    );
  });

  test("a worker whose clock reading is older than another's refills nothing twice", () => {
    const t = table(100);
    for (let i = 0; i < 100; i++) t.admit(key(4), 1000); // the burst, spent at t = 1000
    expect(t.admit(key(4), 1500)).toBe(true); // worker A at 1500: 50 tokens back
    let late = 0;
    // Worker B still at 1100 (its batch began earlier), then A again at 1500:
    // nothing beyond the 50 that 500 ms gave.
    for (let i = 0; i < 100; i++) late += t.admit(key(4), i % 2 ? 1100 : 1500) ? 1 : 0;
    expect(late).toBe(49);
  });

  test("property: any interleaving of two workers' clocks admits at most burst + rate x elapsed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 40 }), lag: fc.integer({ min: 0, max: 300 }) }), {
          maxLength: 500,
        }),
        (rate, steps) => {
          const t = table(rate);
          let now = 10_000;
          let admitted = 0;
          for (const { gap, lag } of steps) {
            now += gap;
            admitted += t.admit(key(5), now - lag) ? 1 : 0; // a reading up to 300 ms stale
          }
          // Tokens accrue between the earliest reading (10,000 - 300) and the latest (now).
          expect(admitted).toBeLessThanOrEqual(rate + Math.floor(((now - 9_700) * rate) / 1000) + 1);
        },
      ),
    );
  });

  test("a table that is not a power of two is refused", () => {
    expect(() => new SourceRateTable(new ArrayBuffer(SourceRateTable.bytesFor(12)), 1)).toThrow(RangeError);
  });

  test("one shared table serves two views of the same memory (the workers' case)", () => {
    const buffer = new SharedArrayBuffer(SourceRateTable.bytesFor(64));
    const a = new SourceRateTable(buffer, 10);
    const b = new SourceRateTable(buffer, 10);
    let admitted = 0;
    for (let i = 0; i < 20; i++) admitted += (i % 2 ? a : b).admit(key(7), 0) ? 1 : 0;
    expect(admitted).toBe(10);
  });
});
