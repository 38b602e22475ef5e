/**
 * The report path, run on made-up intervals before anything is measured:
 * the worker's settling of its latency tally and countsOf, and the main
 * thread's merging, percentiles and progress line. Each walks an array of
 * counts (the tally's 32,768, hdr-histogram-js's about 22,500). Without a
 * rehearsal their first real run came one second into the measured time
 * and went through JSC's interpreter and compilers on the client's own
 * core. The second measured second then read about twice the p99 of the
 * others in every run, whatever the warmup (ping-pong x 1,000 against the
 * C server: 24-45 ms against 9-23 ms).
 */
import { Aggregator, emptyCounts } from "./aggregate.ts";
import { type BenchHistogram, countsOf, HOUR_US, LatencyRecorder, newHistogram, recordUs } from "./histogram.ts";
import { progressLine } from "./progress.ts";

const ROUNDS = 12;

/** Calls `visit` with values across the whole range, a percent apart: every bucket size is visited. */
function eachSpreadUs(visit: (us: number) => void): void {
  for (let us = 1; us < HOUR_US; us = Math.ceil(us * 1.01)) visit(us);
}

function spreadHistogram(): BenchHistogram {
  const h = newHistogram();
  eachSpreadUs((us) => recordUs(h, us));
  return h;
}

/** A worker's part: settling its latency tally and taking an interval's counts. */
export function rehearseCounts(): void {
  const recorder = new LatencyRecorder();
  for (let i = 0; i < ROUNDS; i++) {
    eachSpreadUs((us) => recorder.record(us, 1));
    countsOf(recorder.settled());
  }
  recorder.destroy();
}

/**
 * The main thread's part: merging, percentiles and the progress line. Returns
 * the latencies the last made-up interval reported, so a test can see the
 * path was taken.
 */
export function rehearseReporting(): number {
  const h = spreadHistogram();
  const latency = countsOf(h);
  h.destroy();
  const agg = new Aggregator(1);
  let reported = 0;
  for (let index = 0; index < ROUNDS; index++) {
    const sample = agg.addInterval({
      type: "interval",
      worker: 0,
      index,
      elapsedMs: 1000,
      counts: emptyCounts(),
      open: 0,
      latency,
      jitter: null,
      cpuUs: 0,
    });
    if (sample === null) continue;
    progressLine(sample);
    reported = sample.latencyUs.count;
  }
  return reported;
}
