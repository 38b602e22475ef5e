import { expect, test } from "bun:test";
import { ConnTable } from "../../src/conn-table.ts";
import { Command, OpKind } from "../../src/engine.ts";
import { CompletionLoop } from "../../src/loop.ts";
import { SlotPool } from "../../src/slot-pool.ts";
import { Field, StatsLayout, StatsWriter } from "../../src/stats.ts";
import { type Completion, FakeQueue } from "../fakes/fake-queue.ts";

const { Accept, Recv, Send, Timer, Control } = OpKind;
const EXIT: Completion = [Control, 0, 0, Command.Exit];

function runLoop(
  script: Completion[][],
  options: { max?: number; idleMs?: number; onWait?: () => void; table?: ConnTable } = {},
) {
  const layout = StatsLayout.create(1);
  const stats = new StatsWriter(layout, 0);
  const queue = new FakeQueue(script, options.onWait);
  const slots = 4;
  const loop = new CompletionLoop(
    queue,
    layout,
    stats,
    { slots, maxConnections: options.max ?? slots, idleTimeoutMs: options.idleMs ?? 0, scanOffset: 0, scanStride: 1 },
    options.table ?? new ConnTable(slots),
    new SlotPool(slots),
  );
  loop.run();
  return { calls: queue.calls, stats: stats.local, layout };
}

test("accept, echo with a partial send, EOF, exit: the calls the echo step implies", () => {
  // Slot 0 gets generation 1 on its first connection.
  const { calls, stats } = runLoop([
    [[Accept, 0, 0, 7, 1]],
    [[Recv, 0, 1, 10]],
    [[Send, 0, 1, 4]],
    [[Send, 0, 1, 6]],
    [[Recv, 0, 1, 0]],
    [EXIT],
  ]);
  expect(calls).toEqual([
    "startAccepting",
    "adopt 7 -> 0@1",
    "recv 0 4096",
    "send 0 [0, +10]",
    "send 0 [4, +6]",
    "recv 0 4096",
    "close 0",
    "stopAccepting",
  ]);
  expect(stats[Field.BytesReceived]).toBe(10);
  expect(stats[Field.BytesSent]).toBe(10);
  expect(stats[Field.Closed]).toBe(1);
  expect(stats[Field.Errors]).toBe(0);
});

test("the loop asks for what the receive policy says: a stream grows to the ceiling, the next connection in the slot starts small", () => {
  const { calls } = runLoop([
    [[Accept, 0, 0, 7, 1]],
    [[Recv, 0, 1, 4096]],
    [[Send, 0, 1, 4096]],
    [[Recv, 0, 1, 16_384]],
    [[Send, 0, 1, 16_384]],
    [[Recv, 0, 1, 0]],
    [[Accept, 0, 0, 8, 1]],
    [EXIT],
    [[Recv, 0, 2, 0]],
  ]);
  expect(calls.filter((c) => c.startsWith("recv"))).toEqual([
    "recv 0 4096",
    "recv 0 16384",
    "recv 0 65536",
    "recv 0 4096",
  ]);
});

test("a second exit key in one batch is held, the batch finishes, and the key is re-posted on the way out", () => {
  const { calls } = runLoop([[[Accept, 0, 0, 7, 1]], [EXIT, EXIT, [Recv, 0, 1, 5]], [[Recv, 0, 1, 0]]]);
  expect(calls.filter((c) => c.startsWith("passOn"))).toEqual([`passOn ${Command.Exit}`]);
  // The first key aborted the open connection; the recv in the same batch closed it.
  expect(calls).toContain("abort 0");
  expect(calls).toContain("close 0");
  // Re-posted only after everything else: never while this worker still waits on the port.
  expect(calls.at(-1)).toBe(`passOn ${Command.Exit}`);
});

test("a key taken while draining is held, not bounced back into the port at once", () => {
  const { calls } = runLoop([[[Accept, 0, 0, 7, 1]], [EXIT], [EXIT], [EXIT], [[Recv, 0, 1, -125]]]);
  expect(calls.filter((c) => c.startsWith("passOn"))).toHaveLength(2);
  expect(calls.slice(-2)).toEqual([`passOn ${Command.Exit}`, `passOn ${Command.Exit}`]);
});

test("a stale completion for a closed slot is ignored", () => {
  const { calls, stats } = runLoop([[[Accept, 0, 0, 7, 1]], [[Recv, 0, 1, 0]], [[Recv, 0, 1, 99]], [EXIT]]);
  expect(calls.filter((c) => c === "close 0")).toHaveLength(1);
  expect(stats[Field.BytesReceived]).toBe(0);
});

test("over --max-connections an accepted connection is refused and counted", () => {
  const { calls, stats, layout } = runLoop(
    [
      [
        [Accept, 0, 0, 7, 1],
        [Accept, 0, 0, 8, 1],
      ],
      [EXIT],
      [[Recv, 0, 1, 0]],
    ],
    { max: 1 },
  );
  expect(calls).toContain("refuse 8");
  expect(stats[Field.Rejected]).toBe(1);
  expect(layout.active()).toBe(0);
});

test("the idle sweep aborts a silent connection once, and counts it", () => {
  // 20 ms pass inside every wait, so at each timer tick the connection has been silent for longer than 5 ms.
  const { calls, stats } = runLoop(
    [[[Accept, 0, 0, 7, 1]], [[Timer, 0, 0, -62]], [[Timer, 0, 0, -62]], [[Recv, 0, 1, 0]], [EXIT]],
    { idleMs: 5, onWait: () => Bun.sleepSync(20) },
  );
  expect(calls.filter((c) => c === "abort 0")).toHaveLength(1);
  expect(stats[Field.IdleClosed]).toBe(1);
  expect(calls).toContain("close 0");
});

test("a connection silent for over a second has its receive released, and is not closed", () => {
  // 600 ms pass inside each of the first waits: silent for over a second at the second tick.
  let waits = 0;
  const { calls, stats } = runLoop(
    [
      [[Accept, 0, 0, 7, 1]],
      [[Timer, 0, 0, -62]],
      [[Timer, 0, 0, -62]],
      [[Recv, 0, 1, 2]],
      [[Send, 0, 1, 2]],
      [EXIT],
      [[Recv, 0, 1, 0]],
    ],
    { onWait: () => waits++ < 3 && Bun.sleepSync(600) },
  );
  expect(calls.filter((c) => c === "release 0")).toHaveLength(1);
  expect(calls.filter((c) => c === "abort 0")).toHaveLength(1); // the exit key's, not the sweep's
  expect(stats[Field.IdleClosed]).toBe(0);
  expect(calls).toContain("send 0 [0, +2]");
});

test("a connection whose send waits over a second keeps its buffer: the send still reads it", () => {
  let waits = 0;
  const { calls } = runLoop(
    [
      [[Accept, 0, 0, 7, 1]],
      [[Recv, 0, 1, 2]],
      [[Timer, 0, 0, -62]],
      [[Timer, 0, 0, -62]],
      [[Send, 0, 1, 2]],
      [EXIT],
      [[Recv, 0, 1, 0]],
    ],
    { onWait: () => waits++ < 4 && Bun.sleepSync(600) },
  );
  expect(calls).toContain("send 0 [0, +2]");
  expect(calls.filter((c) => c === "release 0")).toHaveLength(0);
});

test("a busy connection is not idle", () => {
  const { calls, stats } = runLoop(
    [[[Accept, 0, 0, 7, 1]], [[Recv, 0, 1, 3]], [[Timer, 0, 0, -62]], [[Send, 0, 1, 3]], [EXIT], [[Recv, 0, 1, 0]]],
    {
      idleMs: 60_000,
    },
  );
  expect(stats[Field.IdleClosed]).toBe(0);
  // Echoed normally, and only the exit key aborted it afterwards.
  expect(calls.slice(2, 5)).toEqual(["recv 0 4096", "send 0 [0, +3]", "recv 0 4096"]);
  expect(calls.filter((c) => c === "abort 0")).toHaveLength(1);
});

test("a reset counts as an error; an abort-induced failure does not", () => {
  const { stats } = runLoop([[[Accept, 0, 0, 7, 1]], [[Recv, 0, 1, -104]], [EXIT]]);
  expect(stats[Field.Errors]).toBe(1);
  const aborted = runLoop([[[Accept, 0, 0, 7, 1]], [EXIT], [[Recv, 0, 1, -125]]]);
  expect(aborted.stats[Field.Errors]).toBe(0);
});

test("an exiting worker leaves even when another worker closes the last connection (shared port)", () => {
  // On one IOCP port the aborted connection's completion may be dequeued by
  // the other worker; this worker gets no completion of its own and must
  // still notice that everything is drained (it polls on a short timer).
  const table = new ConnTable(4);
  let waits = 0;
  const { calls } = runLoop([[[Accept, 0, 0, 7, 1]], [EXIT]], {
    table,
    onWait: () => {
      if (++waits === 4) table.free(0); // the other worker closed slot 0
    },
  });
  expect(calls).toContain("abort 0");
  expect(calls).not.toContain("close 0"); // closed elsewhere, not here
  expect(waits).toBeGreaterThanOrEqual(4);
});
