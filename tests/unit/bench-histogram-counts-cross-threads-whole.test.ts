/**
 * A worker posts its interval's histogram as countsOf's (index, count)
 * pairs and the main thread merges them: every value and every figure
 * taken from the histogram must come out as if recorded there.
 */
import { expect, test } from "bun:test";
import { Int32Histogram } from "hdr-histogram-js";
import { countsOf, mergeCounts, newHistogram, percentiles, recordUs } from "../../src/bench/histogram.ts";

test("counts merged from countsOf give the same percentiles, count, min, max and mean as the histogram they came from", () => {
  const h = newHistogram();
  // Across the range: 1 µs, sub-millisecond, tens of ms, a stall of seconds, and repeats.
  for (const us of [1, 2, 3, 250, 251, 999, 12_345, 12_345, 80_000, 2_500_000]) recordUs(h, us);
  recordUs(h, 640, 1000);
  const merged = newHistogram();
  mergeCounts(merged, countsOf(h));
  expect(percentiles(merged)).toEqual(percentiles(h));
  expect(merged.totalCount).toBe(1010);
});

test("merging two workers' counts adds them", () => {
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 1; i <= 500; i++) recordUs(a, i * 10);
  for (let i = 1; i <= 500; i++) recordUs(b, i * 10 + 5000);
  const both = newHistogram();
  mergeCounts(both, countsOf(a));
  mergeCounts(both, countsOf(b));
  a.add(b);
  expect(percentiles(both)).toEqual(percentiles(a));
});

test("an empty histogram posts no pairs, and merging them changes nothing", () => {
  const empty = countsOf(newHistogram());
  expect(empty.length).toBe(0);
  const into = newHistogram();
  recordUs(into, 42);
  mergeCounts(into, empty);
  expect(percentiles(into).count).toBe(1);
});

test("what is posted is only the non-zero counts: a few KiB for a second of varied latencies", () => {
  const h = newHistogram();
  for (let i = 0; i < 100_000; i++) recordUs(h, 5_000 + ((i * 7919) % 15_000));
  const pairs = countsOf(h);
  expect(pairs.length % 2).toBe(0);
  expect(pairs.byteLength).toBeLessThan(64 * 1024);
});

test("a min and max inside one bucket come through exact, not rounded to the bucket's edges", () => {
  const h = newHistogram();
  recordUs(h, 12_347);
  recordUs(h, 12_349);
  const merged = newHistogram();
  mergeCounts(merged, countsOf(h));
  expect([merged.minNonZeroValue, merged.maxValue, merged.totalCount]).toEqual([12_347, 12_349, 2]);
});

test("the reported max is its bucket's highest value, as every percentile is, so p99.9 never exceeds it", () => {
  const h = newHistogram();
  for (let i = 0; i < 999; i++) recordUs(h, 100);
  recordUs(h, 12_347);
  recordUs(h, 12_345);
  const p = percentiles(h);
  expect(p.p999).toBeLessThanOrEqual(p.max);
  expect(p.max).toBe(h.highestEquivalentValue(12_347));
});

test("the bench's histogram puts every value in the library's bucket", () => {
  const ours = newHistogram();
  const library = new Int32Histogram(1, 3_600_000_000, 3);
  const values = [0, 0.5, 1.5];
  for (let bit = 0; bit <= 33; bit++) values.push(2 ** bit - 1, 2 ** bit, 2 ** bit + 1, 3 * 2 ** bit);
  for (let i = 0; i < 10_000; i++) values.push(Math.floor(Math.random() * 3_600_000_000));
  for (const v of values) expect([v, ours.getBucketIndex(v)]).toEqual([v, library.getBucketIndex(v)]);
  for (const v of values.filter((x) => x >= 1 && x <= 3_600_000_000)) {
    ours.recordValue(v);
    library.recordValue(v);
  }
  expect(percentiles(ours)).toEqual(percentiles(library));
});
