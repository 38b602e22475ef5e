import { describe, expect, test } from "bun:test";
import { SlotState } from "../../src/conn-table.ts";
import { Action, EchoDecision, echoStep } from "../../src/echo.ts";
import { OpKind } from "../../src/engine.ts";

const { Recv, Send } = OpKind;
const { Free, Open, Closing } = SlotState;
type Row = [fact: string, op: number, res: number, state: number, length: number, sent: number];

// [what, completion op, res, connection state, length, sent] -> [action, offset, count]
const table: [...Row, [Action, number, number]][] = [
  ["recv n bytes -> send bytes 0..n", Recv, 100, Open, 0, 0, [Action.Send, 0, 100]],
  ["recv after an echo -> send the new bytes from 0", Recv, 7, Open, 100, 100, [Action.Send, 0, 7]],
  ["partial send -> send the rest", Send, 300, Open, 1000, 0, [Action.Send, 300, 700]],
  ["a later partial send -> send what is still left", Send, 600, Open, 1000, 300, [Action.Send, 900, 100]],
  ["send that finishes the bytes -> recv again", Send, 100, Open, 1000, 900, [Action.Recv, 0, 0]],
  ["recv 0 bytes (EOF) -> close", Recv, 0, Open, 0, 0, [Action.Close, 0, 0]],
  ["recv error (ECONNRESET) -> close", Recv, -104, Open, 0, 0, [Action.Close, 0, 0]],
  ["send error (EPIPE) -> close", Send, -32, Open, 10, 0, [Action.Close, 0, 0]],
  ["data on a closing connection -> close", Recv, 10, Closing, 0, 0, [Action.Close, 0, 0]],
  ["a send on a closing connection -> close", Send, 5, Closing, 10, 0, [Action.Close, 0, 0]],
  ["stale generation (the table says Free) -> ignore", Recv, 10, Free, 0, 0, [Action.Ignore, 0, 0]],
  ["a completion of another kind -> ignore", OpKind.Timer, 1, Open, 0, 0, [Action.Ignore, 0, 0]],
];

describe("the echo step", () => {
  for (const [fact, op, res, state, length, sent, [action, offset, count]] of table) {
    test(fact, () => {
      const out = new EchoDecision();
      expect(echoStep(op, res, state, length, sent, out)).toBe(action);
      expect({ action: out.action, offset: out.offset, count: out.count }).toEqual({ action, offset, count });
    });
  }

  test("a decision object reused for the next completion keeps nothing of the last", () => {
    const out = new EchoDecision();
    echoStep(Send, 300, Open, 1000, 0, out);
    echoStep(Recv, 0, Open, 1000, 1000, out);
    expect([out.action, out.offset, out.count]).toEqual([Action.Close, 0, 0]);
  });

  test("a send range is never empty and never runs past the bytes received", () => {
    const out = new EchoDecision();
    for (let length = 1; length <= 64; length++) {
      for (let sent = 0; sent < length; sent++) {
        for (let res = 1; res <= length - sent; res++) {
          if (echoStep(Send, res, Open, length, sent, out) !== Action.Send) continue;
          expect(out.count).toBeGreaterThan(0);
          expect(out.offset + out.count).toBe(length);
          expect(out.offset).toBe(sent + res);
        }
      }
    }
  });
});
