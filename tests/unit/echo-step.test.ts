import { describe, expect, test } from "bun:test";
import { Action, ConnTable, EchoOp, echoStep, SlotPool, SlotState } from "../../src/echo.ts";

function openSlot(table: ConnTable, slot = 0) {
  return table.open(slot, 0);
}

describe("the echo step", () => {
  const cases: [string, number, number, Action][] = [
    ["recv n bytes -> send them", EchoOp.Recv, 100, Action.Send],
    ["recv 0 bytes (EOF) -> close", EchoOp.Recv, 0, Action.Close],
    ["recv error (ECONNRESET) -> close", EchoOp.Recv, -104, Action.Close],
    ["send error (EPIPE) -> close", EchoOp.Send, -32, Action.Close],
  ];
  for (const [name, op, res, action] of cases) {
    test(name, () => {
      const t = new ConnTable(4);
      const gen = openSlot(t);
      if (op === EchoOp.Send) echoStep(t, 0, gen, EchoOp.Recv, 10);
      expect(echoStep(t, 0, gen, op, res)).toBe(action);
    });
  }

  test("a recv sets the bytes to send: [0, n)", () => {
    const t = new ConnTable(1);
    const gen = openSlot(t);
    echoStep(t, 0, gen, EchoOp.Recv, 4096);
    expect([t.sent[0], t.length[0]]).toEqual([0, 4096]);
  });

  test("a partial send sends the rest before the next recv", () => {
    const t = new ConnTable(1);
    const gen = openSlot(t);
    echoStep(t, 0, gen, EchoOp.Recv, 1000);
    expect(echoStep(t, 0, gen, EchoOp.Send, 300)).toBe(Action.Send);
    expect([t.sent[0], t.length[0]]).toEqual([300, 1000]);
    expect(echoStep(t, 0, gen, EchoOp.Send, 600)).toBe(Action.Send);
    expect(t.sent[0]).toBe(900);
    expect(echoStep(t, 0, gen, EchoOp.Send, 100)).toBe(Action.Recv);
  });

  test("a full send goes back to recv", () => {
    const t = new ConnTable(1);
    const gen = openSlot(t);
    echoStep(t, 0, gen, EchoOp.Recv, 5);
    expect(echoStep(t, 0, gen, EchoOp.Send, 5)).toBe(Action.Recv);
  });

  test("a late completion for a closed slot is ignored", () => {
    const t = new ConnTable(1);
    const gen = openSlot(t);
    t.free(0);
    expect(echoStep(t, 0, gen, EchoOp.Recv, 10)).toBe(Action.Ignore);
  });

  test("a late completion for a reused slot (older generation) is ignored", () => {
    const t = new ConnTable(1);
    const old = openSlot(t);
    t.free(0);
    const now = openSlot(t);
    expect(now).not.toBe(old);
    expect(echoStep(t, 0, old, EchoOp.Recv, 10)).toBe(Action.Ignore);
    expect(t.length[0]).toBe(0);
    expect(echoStep(t, 0, now, EchoOp.Recv, 10)).toBe(Action.Send);
  });

  test("a slot out of range is ignored", () => {
    expect(echoStep(new ConnTable(1), 7, 1, EchoOp.Recv, 10)).toBe(Action.Ignore);
  });

  test("anything completing on a closing slot closes it, even data", () => {
    const t = new ConnTable(1);
    const gen = openSlot(t);
    t.state[0] = SlotState.Closing;
    expect(echoStep(t, 0, gen, EchoOp.Recv, 10)).toBe(Action.Close);
  });

  test("generations wrap at 2^32 without ever matching the stale one", () => {
    const t = new ConnTable(1);
    t.gen[0] = 0xffffffff;
    expect(t.open(0, 0)).toBe(0);
  });
});

describe("the slot pool", () => {
  test("hands out every slot once, then -1", () => {
    const pool = new SlotPool(3);
    const taken = [pool.take(), pool.take(), pool.take()];
    expect(taken.sort()).toEqual([0, 1, 2]);
    expect(pool.take()).toBe(-1);
  });

  test("is LIFO: the slot given back last is taken first", () => {
    const pool = new SlotPool(3);
    const a = pool.take();
    pool.take();
    pool.give(a);
    expect(pool.take()).toBe(a);
  });
});

describe("a table shared between workers", () => {
  test("two views of one SharedArrayBuffer see the same slots and open count", () => {
    const buffer = new SharedArrayBuffer(ConnTable.bytesFor(8));
    const a = new ConnTable(8, buffer);
    const b = new ConnTable(8, buffer);
    const gen = a.open(5, 123);
    expect(b.gen[5]).toBe(gen);
    expect(b.lastActive[5]).toBe(123);
    expect(b.openCount()).toBe(1);
    b.free(5);
    expect(a.openCount()).toBe(0);
  });

  test("only one aborter wins a slot, and a completion waits for it to finish", () => {
    const t = new ConnTable(2);
    const gen = t.open(1, 0);
    expect(t.beginAbort(1)).toBe(true);
    expect(t.beginAbort(1)).toBe(false);
    t.endAbort(1);
    expect(t.settle(1)).toBe(SlotState.Closing);
    expect(echoStep(t, 1, gen, EchoOp.Recv, 50)).toBe(Action.Close);
  });

  test("a shared pool hands each slot to one taker only", () => {
    const buffer = new SharedArrayBuffer(SlotPool.bytesFor(4));
    const a = new SlotPool(4, buffer);
    const b = new SlotPool(4, buffer, false);
    const got = [a.take(), b.take(), a.take(), b.take()];
    expect(new Set(got).size).toBe(4);
    expect(a.take()).toBe(-1);
    b.give(got[0]!);
    expect(a.available).toBe(1);
  });
});
