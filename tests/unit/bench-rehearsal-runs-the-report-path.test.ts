/**
 * The rehearsal before a run (src/bench/rehearse.ts) must take the real
 * report path, latencies and all, or it compiles nothing worth having.
 */
import { expect, test } from "bun:test";
import { rehearseReporting } from "../../src/bench/rehearse.ts";

test("the rehearsal reports made-up latencies through the aggregator and the progress line", () => {
  // A value every 1% (at least 1 µs) from 1 µs to an hour: about 1,800 of them.
  expect(rehearseReporting()).toBeGreaterThan(1500);
});
