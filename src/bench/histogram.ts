/**
 * HDR histograms as the bench uses them: values in microseconds from 1 µs to
 * an hour at three significant digits, hdr-histogram-js's plain JS build
 * with 32-bit counts (no WebAssembly, which keeps it working in the compiled
 * executable and under Wine). A worker moves one to the main thread as its
 * non-zero counts (`countsOf`), not as the library's compressed base64:
 * that ran pako's deflate once a second in the worker and inflate in the
 * main thread, and JSC kept compiling both, on the client's own core,
 * through the measured run.
 */
import { Int32Histogram } from "hdr-histogram-js";
import { TWO_POW_32 } from "../ffi/u64.ts";

/** The largest latency a histogram holds, in µs: an hour. */
export const HOUR_US = 3_600_000_000;

/**
 * hdr-histogram-js's Int32Histogram with its bucket index found by counting
 * leading zeros, as HdrHistogram's Java original does, instead of the JS
 * port's `Math.floor(Math.log2(value))`: JSC calls libm for log2, on every
 * value recorded (about 4% of the bench client's own time per message in a
 * perf profile). The two agree for every whole value below 2^32, which is
 * all a histogram up to HOUR_US holds (a unit test checks each bucket's
 * edges); anything larger takes the library's way.
 */
export class BenchHistogram extends Int32Histogram {
  override getBucketIndex(value: number): number {
    const log2 = value < TWO_POW_32 ? 31 - Math.clz32(value) : Math.floor(Math.log2(value));
    return Math.max(log2 - this.subBucketHalfCountMagnitude - this.unitMagnitude, 0);
  }
}

export function newHistogram(): BenchHistogram {
  return new BenchHistogram(1, HOUR_US, 3);
}

/** A latency in µs as the histogram holds it: whole, and clamped into its range. */
function histogramUs(us: number): number {
  return Math.min(HOUR_US, Math.max(1, Math.round(us)));
}

/** Records one value in µs, clamped into the histogram's range. */
export function recordUs(h: BenchHistogram, us: number, count = 1): void {
  const value = histogramUs(us);
  if (count === 1) h.recordValue(value);
  else h.recordValueWithCount(value, count);
}

/** Latencies below this many µs (32.8 ms) are tallied exactly, one counter per µs, before they reach the histogram. */
const TALLIED_US = 1 << 15;

/**
 * A latency histogram fed through an exact tally: a message's latency adds
 * its count to the counter of its whole µs, and `settled` moves the tally
 * into the histogram (once per interval). A value recorded n times at once
 * makes the histogram n single records would have made, min and max
 * included, so every figure is the same; but hdr-histogram-js's
 * recordValue per message (bucket and sub-bucket index, min, max, total)
 * was 7-11% of the bench client's own time in ping-pong (perf profiles of
 * its JIT code), and an add into a few hot lines of an array is not.
 * Latencies of 32.8 ms and more, rare in a run that is not stalling, go
 * straight into the histogram.
 */
export class LatencyRecorder {
  private readonly histogram = newHistogram();
  /** Counts per whole µs below TALLIED_US; Float64 so that no count can wrap. */
  private readonly tally = new Float64Array(TALLIED_US);
  /** The lowest and highest µs tallied since the last `settled` (low > high: none). */
  private low = TALLIED_US;
  private high = 0;

  /** `count` messages of `us` µs, clamped into the histogram's range as `recordUs` does. */
  record(us: number, count: number): void {
    const value = histogramUs(us);
    if (value >= TALLIED_US) {
      this.histogram.recordValueWithCount(value, count);
      return;
    }
    this.tally[value]! += count;
    if (value < this.low) this.low = value;
    if (value > this.high) this.high = value;
  }

  /** The histogram of everything recorded since the last `reset`. */
  settled(): BenchHistogram {
    for (let value = this.low; value <= this.high; value++) {
      const count = this.tally[value]!;
      if (count === 0) continue;
      this.histogram.recordValueWithCount(value, count);
      this.tally[value] = 0;
    }
    this.low = TALLIED_US;
    this.high = 0;
    return this.histogram;
  }

  /** Forgets everything recorded. After a `settled` the tally is empty, so this costs the histogram's reset alone. */
  reset(): void {
    this.settled();
    this.histogram.reset();
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

/**
 * The histogram as a worker posts it: its exact min and max, then its
 * non-zero counts as (counts-array index, count) pairs; empty when nothing
 * was recorded. Structured-cloneable, a few KiB.
 */
export function countsOf(h: BenchHistogram): Float64Array {
  if (h.totalCount === 0) return new Float64Array(0);
  let nonZero = 0;
  for (let i = 0; i < h.countsArrayLength; i++) if (h.getCountAtIndex(i) !== 0) nonZero++;
  const out = new Float64Array(2 + 2 * nonZero);
  out[0] = h.minNonZeroValue;
  out[1] = h.maxValue;
  for (let i = 0, j = 2; i < h.countsArrayLength; i++) {
    const count = h.getCountAtIndex(i);
    if (count === 0) continue;
    out[j++] = i;
    out[j++] = count;
  }
  return out;
}

/**
 * Adds what `countsOf` took from a histogram like `into` (same range and
 * precision, so the same indexes). Each count is recorded at a value of its
 * own bucket kept within the exact min and max, and the max is recorded
 * with a count of 0, so min and max come through exact, not rounded to a
 * bucket's edge.
 */
export function mergeCounts(into: BenchHistogram, counts: Float64Array): void {
  if (counts.length === 0) return;
  const min = counts[0]!;
  const max = counts[1]!;
  for (let j = 2; j < counts.length; j += 2) {
    const value = Math.min(max, Math.max(min, into.valueFromIndex(counts[j]!)));
    into.recordValueWithCount(value, counts[j + 1]!);
  }
  into.recordValueWithCount(max, 0);
}

export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function percentiles(h: BenchHistogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    min: h.minNonZeroValue,
    mean: Math.round(h.mean),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    // As HdrHistogram reports a max: its bucket's highest value, as each percentile is, so none exceeds it.
    max: h.highestEquivalentValue(h.maxValue),
  };
}
