/**
 * The bench worker records latencies through LatencyRecorder, an exact tally
 * in front of the HDR histogram: whatever it settles to must be the
 * histogram that one record per message would have made.
 */
import { expect, test } from "bun:test";
import { LatencyRecorder, newHistogram, percentiles, recordUs } from "../../src/bench/histogram.ts";

/** Latencies as a run sees them: fractions of a µs, repeats, counts above one, and some beyond the tally. */
const RECORDS: [us: number, count: number][] = [
  [0.2, 1],
  [1, 1],
  [7.4, 3],
  [7.6, 1],
  [250, 1],
  [32_767.4, 2],
  [32_768, 1],
  [80_000, 5],
  [2_500_000, 1],
  [9e12, 1],
];

test("settled is the histogram of every value recorded on its own, min, max, mean and percentiles included", () => {
  const recorder = new LatencyRecorder();
  const direct = newHistogram();
  for (let round = 0; round < 3; round++) {
    for (const [us, count] of RECORDS) {
      recorder.record(us + round * 13, count);
      for (let i = 0; i < count; i++) recordUs(direct, us + round * 13);
    }
  }
  const settled = recorder.settled();
  expect(percentiles(settled)).toEqual(percentiles(direct));
  expect([settled.minNonZeroValue, settled.maxValue, settled.totalCount]).toEqual([
    direct.minNonZeroValue,
    direct.maxValue,
    direct.totalCount,
  ]);
});

test("what is recorded after settling is added to what was settled", () => {
  const recorder = new LatencyRecorder();
  recorder.record(10, 1);
  recorder.settled();
  recorder.record(20, 2);
  recorder.record(50_000, 1);
  const h = recorder.settled();
  expect([h.totalCount, h.minNonZeroValue, h.maxValue]).toEqual([4, 10, 50_000]);
  expect(recorder.settled().totalCount).toBe(4);
});

test("reset forgets both the tally and the histogram", () => {
  const recorder = new LatencyRecorder();
  recorder.record(5, 1);
  recorder.settled();
  recorder.record(6, 1);
  recorder.record(40_000, 1);
  recorder.reset();
  expect(recorder.settled().totalCount).toBe(0);
  recorder.record(9, 2);
  expect(percentiles(recorder.settled())).toMatchObject({ count: 2, min: 9, max: 9 });
});
