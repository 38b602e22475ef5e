/**
 * The zero-byte-read swap on IOCP, without sockets: a fake poster records
 * what ReceiveParking asks of the queue, and answers each receive the way
 * the test says WSARecv would.
 */
import { expect, test } from "bun:test";
import type { IssueResult } from "../../src/engine.ts";
import { OpKind } from "../../src/engine.ts";
import { ERRNO, OsError } from "../../src/os-error.ts";
import { ReceiveParking, type ReceivePoster } from "../../src/ffi/win32/receive-parking.ts";

const STATUS_CANCELLED = 0xc0000120;
const STATUS_CONNECTION_RESET = 0xc000020d;
const SLOTS = 4;

class FakePoster implements ReceivePoster {
  calls: string[] = [];
  /** What the next zero-byte read and the next real receive return. */
  zeroByteRead: IssueResult = "pending";
  receive: IssueResult = "pending";
  recv(slot: number, gen: number): IssueResult {
    this.calls.push(`recv ${slot}/${gen}`);
    return this.receive;
  }
  postZeroByteRead(slot: number, gen: number): IssueResult {
    this.calls.push(`zero-byte read ${slot}/${gen}`);
    return this.zeroByteRead;
  }
  pushInline(slot: number, gen: number, op: number, res: number): void {
    this.calls.push(`inline ${slot}/${gen} op ${op} res ${res}`);
  }
  cancel(slot: number, receiveOnly: boolean): void {
    this.calls.push(`cancel ${slot} ${receiveOnly ? "receive" : "all"}`);
  }
}

function setUp() {
  const poster = new FakePoster();
  const parking = new ReceiveParking(new SharedArrayBuffer(2 * SLOTS), SLOTS, poster);
  return { poster, parking };
}

test("an idle receive is cancelled, replaced by a zero-byte read, and re-posted when data comes", () => {
  const { poster, parking } = setUp();
  parking.release(1);
  expect(poster.calls).toEqual(["cancel 1 receive"]);
  // The cancelled receive's completion never reaches the loop.
  expect(parking.settle(1, 7, STATUS_CANCELLED)).toBe(true);
  expect(poster.calls.at(-1)).toBe("zero-byte read 1/7");
  expect(parking.count).toBe(1);
  // A second release while parked does nothing: no buffer is pinned.
  parking.release(1);
  expect(poster.calls.at(-1)).toBe("zero-byte read 1/7");
  // Data arrived: the real receive, same generation; the loop sees its completion, not this one.
  expect(parking.settle(1, 7, 0)).toBe(true);
  expect(poster.calls.at(-1)).toBe("recv 1/7");
  // That receive's own completion is an ordinary one.
  expect(parking.settle(1, 7, 0)).toBe(false);
});

test("a receive that completes normally is the loop's", () => {
  const { poster, parking } = setUp();
  expect(parking.settle(0, 1, 0)).toBe(false);
  expect(parking.settle(0, 1, STATUS_CONNECTION_RESET)).toBe(false);
  expect(poster.calls).toEqual([]);
});

test("a zero-byte read that fails goes to the loop as the failure", () => {
  const { poster, parking } = setUp();
  parking.settle(2, 3, STATUS_CANCELLED);
  expect(parking.settle(2, 3, STATUS_CONNECTION_RESET)).toBe(false);
  // Not parked any more: the next release may park it again.
  parking.release(2);
  expect(poster.calls.at(-1)).toBe("cancel 2 receive");
});

test("a zero-byte read done at once (data already waiting) posts the real receive straight away", () => {
  const { poster, parking } = setUp();
  poster.zeroByteRead = "completed";
  expect(parking.settle(0, 5, STATUS_CANCELLED)).toBe(true);
  expect(poster.calls).toEqual(["zero-byte read 0/5", "recv 0/5"]);
  parking.release(0); // not parked: the real receive is pending again
  expect(poster.calls.at(-1)).toBe("cancel 0 receive");
});

test("a zero-byte read refused at once is reported to the loop as a receive error", () => {
  const { poster, parking } = setUp();
  poster.zeroByteRead = new OsError("WSARecv", "ECONNRESET", 10054);
  expect(parking.settle(3, 9, STATUS_CANCELLED)).toBe(true);
  expect(poster.calls.at(-1)).toBe(`inline 3/9 op ${OpKind.Recv} res ${-ERRNO.ECONNRESET}`);
});

test("a real receive refused after the park is reported to the loop", () => {
  const { poster, parking } = setUp();
  parking.settle(3, 9, STATUS_CANCELLED);
  poster.receive = new OsError("WSARecv", "ECONNABORTED", 10053);
  expect(parking.settle(3, 9, 0)).toBe(true);
  expect(poster.calls.at(-1)).toBe(`inline 3/9 op ${OpKind.Recv} res ${-ERRNO.ECONNABORTED}`);
});

test("after abort a cancelled receive is the loop's (it closes), and nothing is parked", () => {
  const { poster, parking } = setUp();
  parking.markAborted(1);
  parking.release(1);
  expect(poster.calls).toEqual([]);
  expect(parking.settle(1, 2, STATUS_CANCELLED)).toBe(false);
  expect(parking.count).toBe(0);
});

test("an abort between the check and the zero-byte read cancels the read it missed", () => {
  const { poster, parking } = setUp();
  // The abort lands while the zero-byte read is being issued.
  poster.postZeroByteRead = (slot, gen) => {
    poster.calls.push(`zero-byte read ${slot}/${gen}`);
    parking.markAborted(slot);
    return "pending";
  };
  expect(parking.settle(0, 4, STATUS_CANCELLED)).toBe(true);
  expect(poster.calls).toEqual(["zero-byte read 0/4", "cancel 0 all"]);
});

test("a newly accepted socket in the slot starts neither parked nor aborted", () => {
  const { poster, parking } = setUp();
  parking.markAborted(2);
  parking.reset(2);
  parking.release(2);
  expect(poster.calls).toEqual(["cancel 2 receive"]);
});
