import { describe, expect, test } from "bun:test";
import { ConnTable, SlotState } from "../../src/conn-table.ts";

describe("the connection table's state machine", () => {
  test("open: Free -> Open, a new generation, nothing to send, counted open", () => {
    const t = new ConnTable(2);
    const gen = t.open(1, 42);
    expect(t.state[1]).toBe(SlotState.Open);
    expect(t.stateFor(1, gen)).toBe(SlotState.Open);
    expect([t.length[1], t.sent[1], t.lastActive[1]]).toEqual([0, 0, 42]);
    expect(t.receivePending(1)).toBe(true);
    expect(t.openCount()).toBe(1);
  });

  test("free: Open -> Free, and the connection's completions become stale", () => {
    const t = new ConnTable(1);
    const gen = t.open(0, 0);
    t.free(0);
    expect(t.stateFor(0, gen)).toBe(SlotState.Free);
    expect(t.openCount()).toBe(0);
  });

  test("a reused slot reports the older generation's completions as Free", () => {
    const t = new ConnTable(1);
    const old = t.open(0, 0);
    t.free(0);
    const now = t.open(0, 0);
    expect(now).not.toBe(old);
    expect(t.stateFor(0, old)).toBe(SlotState.Free);
    expect(t.stateFor(0, now)).toBe(SlotState.Open);
  });

  test("a slot out of range is Free", () => {
    expect(new ConnTable(1).stateFor(7, 1)).toBe(SlotState.Free);
  });

  test("generations wrap at 2^32 without ever matching the stale one", () => {
    const t = new ConnTable(1);
    t.gen[0] = 0xffffffff;
    expect(t.open(0, 0)).toBe(0);
  });

  test("beginAbort: Open -> Aborting for one aborter only; endAbort: Aborting -> Closing", () => {
    const t = new ConnTable(2);
    const gen = t.open(1, 0);
    expect(t.beginAbort(1)).toBe(true);
    expect(t.state[1]).toBe(SlotState.Aborting);
    expect(t.beginAbort(1)).toBe(false);
    t.endAbort(1);
    expect(t.stateFor(1, gen)).toBe(SlotState.Closing);
    expect(t.beginAbort(1)).toBe(false);
  });

  test("a free or closing slot cannot be aborted", () => {
    const t = new ConnTable(1);
    expect(t.beginAbort(0)).toBe(false);
    t.open(0, 0);
    t.beginAbort(0);
    t.endAbort(0);
    expect(t.beginAbort(0)).toBe(false);
  });

  test("a closing slot is freed by its completion's close", () => {
    const t = new ConnTable(1);
    const gen = t.open(0, 0);
    t.beginAbort(0);
    t.endAbort(0);
    t.free(0);
    expect(t.stateFor(0, gen)).toBe(SlotState.Free);
    expect(t.openCount()).toBe(0);
  });

  test("sending records the outstanding range; receiving marks every byte sent", () => {
    const t = new ConnTable(1);
    t.open(0, 0);
    t.sending(0, 300, 1000);
    expect([t.sent[0], t.length[0], t.receivePending(0)]).toEqual([300, 1000, false]);
    t.receiving(0);
    expect([t.sent[0], t.length[0], t.receivePending(0)]).toEqual([1000, 1000, true]);
  });

  test("a completion waits while an aborter in another thread is mid-call, then sees Closing", async () => {
    const buffer = new SharedArrayBuffer(ConnTable.bytesFor(1));
    const t = new ConnTable(1, buffer);
    const gen = t.open(0, 0);
    expect(t.beginAbort(0)).toBe(true);
    // The handler is installed before any await: a message that arrives
    // before it would be dropped, and the test would wait for ever.
    const code = `
      self.onmessage = async (e) => {
        const { ConnTable } = await import(${JSON.stringify(new URL("../../src/conn-table.ts", import.meta.url).href)});
        const t = new ConnTable(1, e.data.buffer);
        postMessage(t.stateFor(0, e.data.gen));
      };`;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: "application/typescript" })));
    const seen = new Promise<number>((resolve) => (worker.onmessage = (e: MessageEvent<number>) => resolve(e.data)));
    worker.postMessage({ buffer, gen });
    const early = await Promise.race([seen, Bun.sleep(100).then(() => "still waiting")]);
    t.endAbort(0);
    const state = await seen;
    worker.terminate();
    expect(early).toBe("still waiting");
    expect(state).toBe(SlotState.Closing);
  });

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
});
