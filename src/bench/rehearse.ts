/**
 * The report path, run on made-up intervals before anything is measured:
 * the worker's countsOf, and the main thread's merging, percentiles and
 * progress line. Each walks hdr-histogram-js's counts array (about 22,500
 * entries). Without a rehearsal their first real run came one second into
 * the measured time and went through JSC's interpreter and compilers on the
 * client's own core. The second measured second then read about twice the
 * p99 of the others in every run, whatever the warmup (ping-pong x 1,000
 * against the C server: 26-37 ms against 11-22 ms).
 */
import { Aggregator, emptyCounts } from "./aggregate.ts";
import { countsOf, newHistogram, recordUs } from "./histogram.ts";
import { progressLine } from "./progress.ts";

const ROUNDS = 3;

/** Returns the latencies the last made-up interval reported, so a test can see the path was taken. */
export function rehearseReporting(): number {
  const h = newHistogram();
  // Values across the whole range, a percent apart: every bucket size is visited.
  for (let us = 1; us < 3_600_000_000; us = Math.ceil(us * 1.01)) recordUs(h, us);
  const agg = new Aggregator(1);
  let reported = 0;
  for (let index = 0; index < ROUNDS; index++) {
    const counts = emptyCounts();
    const sample = agg.addInterval({
      type: "interval",
      worker: 0,
      index,
      elapsedMs: 1000,
      counts,
      open: 0,
      latency: countsOf(h),
      jitter: null,
      cpuUs: 0,
    });
    if (sample !== null && progressLine(sample).length > 0) reported = sample.latencyUs.count;
  }
  h.destroy();
  return reported;
}
