/**
 * Receive memory that follows use on IOCP. The slab's buffer region is only
 * reserved (op-context.ts); each slot's pages are committed as its receive
 * grows and decommitted when it shrinks, parks on a zero-byte read, or
 * closes. A pending WSARecv locks its buffer's pages, so memory moves only
 * while none of the slot's operations is outstanding: the queue calls this
 * before posting a receive (the send before it has completed) and after a
 * cancelled receive's completion.
 *
 * Any worker may handle a slot's next completion, so the per-slot columns
 * live in a SharedArrayBuffer; one operation at a time per slot means one
 * worker at a time touches a slot's cells.
 */
import type { OsError } from "../../os-error.ts";
import { commit, decommit } from "./native.ts";
import { PAGE_BYTES } from "./op-context.ts";

export class ReceiveMemory {
  /** Per slot: its committed buffer bytes (whole pages). */
  private readonly committed: Uint32Array;
  /** Per slot: the length of the receive the loop last asked for. */
  readonly wanted: Uint32Array;
  /** Bytes this worker committed minus those it decommitted; the sum over workers is the total. */
  bytes = 0;
  /** VirtualAlloc / VirtualFree calls this worker made. */
  calls = 0;

  constructor(
    shared: SharedArrayBuffer,
    slots: number,
    /** Address of slot 0's buffer, and the distance from one slot's to the next (whole pages). */
    private readonly base: number,
    private readonly stride: number,
  ) {
    this.committed = new Uint32Array(shared, 0, slots);
    this.wanted = new Uint32Array(shared, slots * 4, slots);
  }

  /** Where the slot's buffer starts. */
  addressOf(slot: number): number {
    return this.base + slot * this.stride;
  }

  /** Make the slot's committed memory cover `length` bytes and no more; an OsError when commit fails (out of memory). */
  fit(slot: number, length: number): OsError | null {
    const bytes = Math.ceil(length / PAGE_BYTES) * PAGE_BYTES;
    const have = this.committed[slot]!;
    if (bytes === have) return null;
    const at = this.addressOf(slot);
    this.calls++;
    // LIFETIME: only the slot's own pages, and only while none of its operations is outstanding.
    const failure = bytes > have ? commit(at + have, bytes - have) : decommit(at + bytes, have - bytes);
    if (failure !== null) return failure;
    this.committed[slot] = bytes;
    this.bytes += bytes - have;
    return null;
  }
}
