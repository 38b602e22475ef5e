/**
 * When the OS refuses to set up an accepted socket (on IOCP: associating it
 * with the port, SO_UPDATE_ACCEPT_CONTEXT), the connection is closed and
 * counted as an error, and the server goes on accepting: it never hangs.
 */
import { expect, test } from "bun:test";
import { ConnTable } from "../../src/conn-table.ts";
import { Command, OpKind } from "../../src/engine.ts";
import { CompletionLoop } from "../../src/loop.ts";
import { OsError } from "../../src/os-error.ts";
import { SlotPool } from "../../src/slot-pool.ts";
import { Field, StatsLayout, StatsWriter } from "../../src/stats.ts";
import { FakeQueue } from "../fakes/fake-queue.ts";

test("a refused set-up closes that connection, counts one error, and the next client is served", () => {
  const { Accept, Recv, Control } = OpKind;
  const queue = new FakeQueue([
    [[Accept, 0, 0, 7, 1]],
    [[Accept, 0, 0, 8, 1]],
    [[Recv, 0, 2, 0]],
    [[Control, 0, 0, Command.Exit]],
  ]);
  queue.failingSetups.set(7, new OsError("CreateIoCompletionPort", "EBADF", 6, "associating a socket"));
  const layout = StatsLayout.create(1);
  const stats = new StatsWriter(layout, 0);
  const options = { slots: 2, maxConnections: 2, idleTimeoutMs: 0, scanOffset: 0, scanStride: 1 };
  new CompletionLoop(queue, layout, stats, options, new ConnTable(2), new SlotPool(2)).run();
  // Slot 0 is closed at once and reused (generation 2) by the next client.
  expect(queue.calls).toEqual([
    "startAccepting",
    "adopt 7 -> 0@1",
    "recv 0 4096",
    "close 0",
    "adopt 8 -> 0@2",
    "recv 0 4096",
    "close 0",
    "stopAccepting",
  ]);
  expect(stats.local[Field.Errors]).toBe(1);
  expect(stats.local[Field.Accepted]).toBe(2);
  expect(stats.local[Field.Closed]).toBe(2);
});
