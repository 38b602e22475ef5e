/**
 * HDR histograms as the bench uses them: values in microseconds from 1 µs to
 * an hour at three significant digits, moved between threads as
 * hdr-histogram-js's compressed base64 (its plain JS build: no WebAssembly,
 * which keeps it working in the compiled executable and under Wine).
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";

const HOUR_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HOUR_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

/** Records one value in µs, clamped into the histogram's range. */
export function recordUs(h: Histogram, us: number, count = 1): void {
  const value = Math.min(HOUR_US, Math.max(1, Math.round(us)));
  if (count === 1) h.recordValue(value);
  else h.recordValueWithCount(value, count);
}

export function encode(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** Adds an encoded histogram into `into`. */
export function addEncoded(into: Histogram, encoded: string): void {
  const h = decodeFromCompressedBase64(encoded, 32, false);
  into.add(h);
  h.destroy();
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

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    min: h.minNonZeroValue,
    mean: Math.round(h.mean),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
}
