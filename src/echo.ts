/**
 * The echo step: the whole of the protocol, as a pure function of one
 * completion and its connection's state. It reads no table and writes
 * nothing but the caller's decision object; the loop applies the decision.
 *
 * Each connection has exactly one operation outstanding at a time:
 *   recv n (n > 0)          -> send bytes [0, n)
 *   send m of the rest      -> send what is still left (partial send)
 *   send finished the bytes -> recv again
 *   recv 0 (EOF) or error   -> close
 *   anything while closing  -> close
 *   a stale completion      -> ignore (the table reports it as Free: it
 *                              belongs to a connection that has since closed)
 * Because the next recv is issued only after the previous bytes went out, a
 * client that stops reading stops the server reading from it too: memory per
 * connection is one buffer, whatever the client does.
 */
import { SlotState } from "./conn-table.ts";
import { OpKind } from "./engine.ts";

export const Action = {
  Recv: 1,
  Send: 2,
  Close: 3,
  Ignore: 4,
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/**
 * What follows a completion. Preallocated by the caller and rewritten by
 * every step, so deciding allocates nothing; for Action.Send the bytes to
 * send are [offset, offset + count) of the slot's buffer.
 */
export class EchoDecision {
  action: Action = Action.Ignore;
  offset = 0;
  count = 0;
}

/**
 * Decide what follows a completion of `op` with result `res` (bytes, or a
 * negative errno) on a connection in `state` whose outstanding send, if any,
 * started at `sent` of the `length` bytes being echoed. Returns the action,
 * also stored in `out`.
 */
export function echoStep(
  op: number,
  res: number,
  state: number,
  length: number,
  sent: number,
  out: EchoDecision,
): Action {
  let action: Action = Action.Ignore;
  let offset = 0;
  let count = 0;
  if (state === SlotState.Free) {
    action = Action.Ignore;
  } else if (state !== SlotState.Open || res <= 0) {
    action = Action.Close;
  } else if (op === OpKind.Recv) {
    action = Action.Send;
    count = res;
  } else if (op === OpKind.Send) {
    const done = sent + res;
    if (done < length) {
      action = Action.Send;
      offset = done;
      count = length - done;
    } else {
      action = Action.Recv;
    }
  }
  out.action = action;
  out.offset = offset;
  out.count = count;
  return action;
}
