/**
 * The io_uring backend's worker half: one ring and one slab per worker. Each
 * operation is one prep function and its CQE comes back through this
 * worker's own completion queue; user_data says which (both in sqe.ts).
 */
import type { Pointer } from "bun:ffi";
import {
  type CompletionBatch,
  type IssueResult,
  OpKind,
  type UringWorkerParams,
  type WorkerQueue,
} from "../../engine.ts";
import { ERRNO } from "../../os-error.ts";
import {
  IORING_ASYNC_CANCEL_ALL,
  IORING_CQE_F_MORE,
  IORING_SETUP,
  IOSQE_CQE_SKIP_SUCCESS,
  MSG_NOSIGNAL,
  SOCK_CLOEXEC,
} from "./io-uring-abi.ts";
import { gettid, Ring } from "./io-uring.ts";
import { allocateNative, libc, MADV_DONTNEED, type NativeMemory, PAGE_BYTES, unmapMemory } from "./libc.ts";
import { SHUT_RDWR } from "./sockets.ts";
import {
  MAX_SLOTS,
  opOf,
  prepAccept,
  prepCancel,
  prepMultishotAccept,
  prepRecv,
  prepSend,
  prepTimeout,
  setSqeFlags,
  slotOf,
  userLo,
} from "./sqe.ts";

const SQ_ENTRIES = 1024;
const CQ_ENTRIES = 16384;
/** Best first; EINVAL from an older kernel moves on to the next set. */
const WORKER_RING_FLAGS = [
  IORING_SETUP.SUBMIT_ALL | IORING_SETUP.COOP_TASKRUN | IORING_SETUP.SINGLE_ISSUER | IORING_SETUP.DEFER_TASKRUN,
  IORING_SETUP.SUBMIT_ALL | IORING_SETUP.COOP_TASKRUN | IORING_SETUP.SINGLE_ISSUER,
  0,
];

/** Nanoseconds and seconds of the timer's __kernel_timespec, after the buffers. */
const TIMESPEC_BYTES = 16;

class UringQueue implements WorkerQueue {
  readonly threadId = gettid();
  readonly bufferBytes: number;
  private readonly fds: Int32Array;
  private readonly timespec: DataView;
  private readonly timespecAddress: number;
  private readonly listener: number;
  private multishot = true;
  private acceptArmed = false;
  /** Per slot: 1 once its idle buffer's pages were dropped, until its next receive is issued. */
  private readonly released: Uint8Array;
  idleReleases = 0;

  constructor(
    private readonly ring: Ring,
    private readonly slab: NativeMemory,
    params: UringWorkerParams,
  ) {
    this.bufferBytes = params.bufferBytes;
    this.listener = params.listener;
    this.fds = new Int32Array(params.slots).fill(-1);
    this.released = new Uint8Array(params.slots);
    const timespecOffset = params.slots * params.bufferBytes;
    this.timespec = new DataView(slab.bytes, timespecOffset, TIMESPEC_BYTES);
    this.timespecAddress = slab.address + timespecOffset;
  }

  get handle(): number {
    return this.ring.fd;
  }

  get kernelWaits(): number {
    return this.ring.enters;
  }

  readonly inlineCompletions = 0;

  private bufferAddress(slot: number): number {
    return this.slab.address + slot * this.bufferBytes;
  }

  /**
   * A pending IORING_OP_RECV pins nothing, but the pages an earlier message
   * touched stay resident: 4 KiB or more per idle connection. The loop calls
   * this only while a receive is what is pending, so the buffer holds nothing
   * that is still needed; the kernel writes the next message into freshly
   * mapped pages. Only pages wholly inside the slot's buffer are dropped (a
   * shared page may hold a neighbour's bytes in flight).
   */
  releaseIdle(slot: number): void {
    if (this.released[slot] === 1) return;
    const start = this.bufferAddress(slot);
    const first = Math.ceil(start / PAGE_BYTES) * PAGE_BYTES;
    const end = Math.floor((start + this.bufferBytes) / PAGE_BYTES) * PAGE_BYTES;
    this.released[slot] = 1;
    if (end <= first) return;
    if (libc.madvise(first as Pointer, end - first, MADV_DONTNEED) === 0) this.idleReleases++;
  }

  startAccepting(): IssueResult {
    // LIFETIME: no buffer; the kernel returns the new fd in cqe.res.
    const prep = this.multishot ? prepMultishotAccept : prepAccept;
    prep(this.ring, this.listener, SOCK_CLOEXEC, userLo(0, OpKind.Accept), 0);
    this.acceptArmed = true;
    return "pending";
  }

  get acceptPending(): boolean {
    return this.acceptArmed;
  }

  passOn(): void {
    // A key in this ring was posted to this worker alone: nothing to hand on.
  }

  stopAccepting(): void {
    this.cancel(userLo(0, OpKind.Accept));
  }

  cancelTimer(): void {
    this.cancel(userLo(0, OpKind.Timer));
  }

  /** ASYNC_CANCEL by user_data (generation 0); only a failed cancel posts a CQE. */
  private cancel(target: number): void {
    const w = prepCancel(this.ring, target, IORING_ASYNC_CANCEL_ALL, userLo(0, OpKind.Cancel), 0);
    setSqeFlags(this.ring, w, IOSQE_CQE_SKIP_SUCCESS);
  }

  adopt(fd: number, slot: number): void {
    this.fds[slot] = fd;
  }

  refuse(fd: number): void {
    libc.close(fd);
  }

  recv(slot: number, gen: number): IssueResult {
    this.released[slot] = 0;
    // LIFETIME: the kernel writes into the slot's slab buffer until the CQE.
    const address = this.bufferAddress(slot);
    prepRecv(this.ring, this.fds[slot]!, address, this.bufferBytes, userLo(slot, OpKind.Recv), gen);
    return "pending";
  }

  send(slot: number, gen: number, offset: number, length: number): IssueResult {
    // LIFETIME: the kernel reads the slot's slab buffer until the CQE.
    const address = this.bufferAddress(slot) + offset;
    prepSend(this.ring, this.fds[slot]!, address, length, MSG_NOSIGNAL, userLo(slot, OpKind.Send), gen);
    return "pending";
  }

  abort(slot: number): void {
    // A pending recv then completes with 0 and a pending send with EPIPE,
    // so the connection leaves through the loop's ordinary close path.
    // A failure means the socket is already shut down or gone: its pending
    // operations complete, or have completed, all the same.
    const fd = this.fds[slot]!;
    if (fd >= 0) libc.shutdown(fd, SHUT_RDWR);
  }

  close(slot: number): void {
    const fd = this.fds[slot]!;
    if (fd >= 0) libc.close(fd);
    this.fds[slot] = -1;
  }

  armTimer(ms: number): void {
    // The kernel copies the timespec when it takes the SQE, so one suffices.
    this.timespec.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
    this.timespec.setBigInt64(8, BigInt((ms % 1000) * 1_000_000), true);
    prepTimeout(this.ring, this.timespecAddress, userLo(0, OpKind.Timer), 0);
  }

  wait(batch: CompletionBatch): void {
    const ring = this.ring;
    if (ring.ready === 0) {
      while (!ring.submit(1) || ring.ready === 0);
    } else if (ring.unsubmitted > 0) {
      ring.submit(0);
    }
    batch.count = 0;
    const n = Math.min(ring.ready, batch.capacity);
    for (let i = 0; i < n; i++) {
      const word = ring.cqeWord(i);
      const lo = ring.cqeUserLo(word);
      const more = (ring.cqeFlags(word) & IORING_CQE_F_MORE) !== 0 ? 1 : 0;
      const op = opOf(lo);
      const res = ring.cqeRes(word);
      // Multishot accept arrived in 5.19; an older kernel rejects it with
      // EINVAL, after which every accept is armed single-shot.
      if (op === OpKind.Accept && res === -ERRNO.EINVAL) this.multishot = false;
      if (op === OpKind.Accept && more === 0) this.acceptArmed = false;
      batch.push(op, slotOf(lo), ring.cqeUserHi(word), res, more);
    }
    ring.consume(n);
  }

  dispose(): void {
    for (let slot = 0; slot < this.fds.length; slot++) this.close(slot);
    this.ring.close();
    unmapMemory(this.slab);
  }
}

export function openUringQueue(params: UringWorkerParams): WorkerQueue {
  if (params.slots > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} slots per worker`);
  const ring = Ring.open(SQ_ENTRIES, WORKER_RING_FLAGS, CQ_ENTRIES);
  let slab: NativeMemory;
  try {
    // LIFETIME: one slab per worker, freed in dispose() once nothing is pending.
    slab = allocateNative(params.slots * params.bufferBytes + TIMESPEC_BYTES);
  } catch (error) {
    ring.close();
    throw error;
  }
  return new UringQueue(ring, slab, params);
}
