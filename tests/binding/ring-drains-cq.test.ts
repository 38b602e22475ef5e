import { expect, test } from "bun:test";
import { join } from "node:path";
import { runChild } from "./child.ts";

test("a DEFER_TASKRUN ring runs its deferred work only once the completions waiting in the CQ are read", async () => {
  const { out, err, code } = await runChild(join(import.meta.dir, "ring-drains-cq.child.ts"));
  expect(err).toBe("");
  expect(code).toBe(0);
  // The timer fired before the second turn, but its completion waits until the NOPs are read.
  expect(JSON.parse(out)).toEqual({ beforeReading: [2, 3], afterReading: [1] });
});
