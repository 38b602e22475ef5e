/**
 * IOCP's receive sub-states of an open connection, and the zero-byte reads
 * that move between them. A receive pending on a silent connection pins its
 * buffer (on Windows, locked pages for as long as it waits). After a second
 * of silence the loop asks for it to be released (WorkerQueue.releaseIdle);
 * the receive is cancelled, a zero-byte read takes its place, and the real
 * receive is posted again, with the same generation, when data (or EOF)
 * arrives. The loop never sees the swap.
 *
 * Sub-states, per slot, in two shared flags (any worker may take any
 * completion, so they live in SharedArrayBuffer bytes, IocpWorkerParams.slotFlags):
 * - receiving (parked 0, aborted 0): the real receive is pending, or a send;
 * - parked (parked 1): a zero-byte read is pending in its place; settle()
 *   posts the real receive when it completes;
 * - aborted (aborted 1): abort() ran (idle timeout, drain); a cancelled
 *   receive then reaches the loop, which closes, instead of parking.
 * reset() returns a newly accepted slot to receiving. The connection's own
 * states (open / aborting / closing) are the loop's, in src/.
 */
import type { IssueResult } from "../../engine.ts";
import { OpKind } from "../../engine.ts";
import { OsError } from "../../os-error.ts";

const STATUS_CANCELLED = 0xc0000120;

/** What parking needs of the worker's queue. */
export interface ReceivePoster {
  /** The real receive, as the loop issues it (a result done at once is queued for the loop). */
  recv(slot: number, gen: number): IssueResult;
  /** A zero-byte WSARecv; "completed": done at once and no packet will come, nothing queued. */
  postZeroByteRead(slot: number, gen: number): IssueResult;
  /** A result for the loop that does not come through the port. */
  pushInline(slot: number, gen: number, op: number, res: number): void;
  /** CancelIoEx on the slot's socket: its pending receive only, or everything. */
  cancel(slot: number, receiveOnly: boolean): void;
}

export class ReceiveParking {
  /** 1 while the slot is parked; the queue reads it to keep an ordinary receive out of settle(). */
  readonly parked: Uint8Array;
  private readonly aborted: Uint8Array;
  /** Zero-byte reads posted by this worker. */
  count = 0;

  constructor(
    slotFlags: SharedArrayBuffer,
    slots: number,
    private readonly poster: ReceivePoster,
  ) {
    this.parked = new Uint8Array(slotFlags, 0, slots);
    this.aborted = new Uint8Array(slotFlags, slots, slots);
  }

  /** A newly accepted socket in this slot. */
  reset(slot: number): void {
    Atomics.store(this.parked, slot, 0);
    Atomics.store(this.aborted, slot, 0);
  }

  /** Before abort's cancel: a worker about to park this slot looks at the flag after issuing. */
  markAborted(slot: number): void {
    Atomics.store(this.aborted, slot, 1);
  }

  release(slot: number): void {
    if (Atomics.load(this.parked, slot) !== 0 || Atomics.load(this.aborted, slot) !== 0) return;
    // Only a pending receive is cancelled, never a send; its completion
    // (STATUS_CANCELLED, no bytes) is turned into a zero-byte read in
    // settle(). Nothing pending: nothing happens.
    this.poster.cancel(slot, true);
  }

  /**
   * A receive's completion, before the loop sees it. Returns true when it
   * was part of parking and the loop must not see it:
   * - cancelled, not by abort: release() asked; post a zero-byte read;
   * - the zero-byte read succeeded: data (or EOF) is there; post the real
   *   receive, whose completion the loop gets.
   */
  settle(slot: number, gen: number, status: number): boolean {
    const parked = Atomics.load(this.parked, slot) === 1;
    if (parked) Atomics.store(this.parked, slot, 0);
    if (Atomics.load(this.aborted, slot) === 1) return false; // closing: the loop decides
    if (status === STATUS_CANCELLED) {
      this.park(slot, gen);
      return true;
    }
    if (!parked || status !== 0) return false; // an ordinary receive, or a failed zero-byte read
    this.receiveAfterPark(slot, gen);
    return true;
  }

  /** Post a zero-byte WSARecv: it pins no buffer and completes when data arrives. */
  private park(slot: number, gen: number): void {
    Atomics.store(this.parked, slot, 1);
    this.count++;
    const r = this.poster.postZeroByteRead(slot, gen);
    if (r instanceof OsError) {
      Atomics.store(this.parked, slot, 0);
      this.poster.pushInline(slot, gen, OpKind.Recv, r.res);
      return;
    }
    if (r === "completed") {
      // Done at once and no packet comes: data is already waiting.
      Atomics.store(this.parked, slot, 0);
      this.receiveAfterPark(slot, gen);
      return;
    }
    // An abort that ran between our check and the WSARecv found nothing to cancel.
    if (Atomics.load(this.aborted, slot) === 1) this.poster.cancel(slot, false);
  }

  private receiveAfterPark(slot: number, gen: number): void {
    const r = this.poster.recv(slot, gen);
    if (r instanceof OsError) this.poster.pushInline(slot, gen, OpKind.Recv, r.res);
  }
}
