/**
 * The io_uring backend's worker half: one ring and one slab per worker. Each
 * operation is one prep function and its CQE comes back through this
 * worker's own completion queue; user_data says which (both in sqe.ts).
 */
import type { Pointer } from "bun:ffi";
import { type CompletionBatch, type IssueResult, OpKind, type WorkerQueue } from "../../engine.ts";
import type { UringWorkerParams } from "../../worker-params.ts";
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
import {
  libc,
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_NORESERVE,
  MAP_PRIVATE,
  mapMemory,
  type NativeMemory,
  PAGE_BYTES,
  PROT_READ,
  PROT_WRITE,
  unmapMemory,
} from "./libc.ts";
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
  writeTimespec,
} from "./sqe.ts";
import { UringUdp } from "./udp-uring.ts";

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

/** Each slot's region: the ceiling in whole pages, so a slot's pages are its own. */
const slotStride = (bufferBytes: number) => Math.ceil(bufferBytes / PAGE_BYTES) * PAGE_BYTES;

class UringQueue implements WorkerQueue {
  readonly threadId = gettid();
  readonly bufferBytes: number;
  private readonly fds: Int32Array;
  private readonly timespec: DataView;
  private readonly timespecAddress: number;
  private readonly listener: number;
  private multishot = true;
  private acceptArmed = false;
  private readonly stride: number;
  /**
   * Per slot: the bytes its receives may touch (whole pages). Anonymous
   * pages are mapped by the first write, so growth costs no call; pages
   * past a smaller receive, or all of them once the slot idles or closes,
   * go back.
   */
  private readonly touchable: Uint32Array;
  idleReleases = 0;
  readonly receiveMemory = { bytes: 0, calls: 0 };

  constructor(
    private readonly ring: Ring,
    private readonly slab: NativeMemory,
    params: UringWorkerParams,
    readonly udp: UringUdp | null,
  ) {
    this.bufferBytes = params.bufferBytes;
    this.listener = params.listener;
    this.fds = new Int32Array(params.slots).fill(-1);
    this.stride = slotStride(params.bufferBytes);
    this.touchable = new Uint32Array(params.slots);
    const timespecOffset = params.slots * this.stride;
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
    return this.slab.address + slot * this.stride;
  }

  /**
   * A pending IORING_OP_RECV pins nothing, but the pages an earlier message
   * touched stay resident: 4 KiB or more per idle connection. The loop calls
   * this only while a receive is what is pending, after the batch's other
   * completions, so the buffer holds nothing that is still needed unless the
   * receive completed since (checked below); the kernel writes the next
   * message into freshly mapped pages.
   */
  releaseIdle(slot: number): void {
    // A completion still in the ring, not yet handed to the loop, may be this
    // slot's receive, its bytes already in the buffer: release only once the
    // loop has seen every completion (the next sweep tries again).
    if (this.touchable[slot] === 0 || this.ring.ready > 0) return;
    if (this.handBack(slot, 0)) this.idleReleases++;
  }

  /** Drop the slot's pages from `keep` bytes on; true when the kernel took them. */
  private handBack(slot: number, keep: number): boolean {
    const from = this.touchable[slot]!;
    this.receiveMemory.calls++;
    // MADV_DONTNEED on a mapped, page-aligned private anonymous range does
    // not fail; if it ever did, the pages would simply stay (and be counted).
    if (libc.madvise((this.bufferAddress(slot) + keep) as Pointer, from - keep, MADV_DONTNEED) !== 0) return false;
    this.touchable[slot] = keep;
    this.receiveMemory.bytes -= from - keep;
    return true;
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

  recv(slot: number, gen: number, length: number): IssueResult {
    // The buffer's bytes have all been sent: pages past this receive go back.
    const pages = Math.ceil(length / PAGE_BYTES) * PAGE_BYTES;
    const touchable = this.touchable[slot]!;
    if (pages < touchable) this.handBack(slot, pages);
    else if (pages > touchable) {
      this.touchable[slot] = pages;
      this.receiveMemory.bytes += pages - touchable;
    }
    // LIFETIME: the kernel writes into the slot's slab buffer until the CQE.
    const address = this.bufferAddress(slot);
    prepRecv(this.ring, this.fds[slot]!, address, length, userLo(slot, OpKind.Recv), gen);
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
    // Nothing of the slot is outstanding: a closed connection holds no memory.
    if (this.touchable[slot] !== 0) this.handBack(slot, 0);
  }

  armTimer(ms: number): void {
    // The kernel copies the timespec when it takes the SQE, so one suffices.
    writeTimespec(this.timespec, 0, ms);
    prepTimeout(this.ring, this.timespecAddress, userLo(0, OpKind.Timer), 0);
  }

  wait(batch: CompletionBatch): void {
    const ring = this.ring;
    ring.submitAndWait();
    batch.count = 0;
    const n = Math.min(ring.ready, batch.capacity);
    for (let i = 0; i < n; i++) {
      const word = ring.cqeWord(i);
      const lo = ring.cqeUserLo(word);
      const more = (ring.cqeFlags(word) & IORING_CQE_F_MORE) !== 0 ? 1 : 0;
      const op = opOf(lo);
      let res = ring.cqeRes(word);
      let slot = slotOf(lo);
      // Multishot accept arrived in 5.19; an older kernel rejects it with
      // EINVAL, after which every accept is armed single-shot.
      if (op === OpKind.Accept && res === -ERRNO.EINVAL) this.multishot = false;
      if (op === OpKind.Accept && more === 0) this.acceptArmed = false;
      if (op === OpKind.UdpRecv) {
        res = this.udp!.translateReceive(res, ring.cqeFlags(word), more);
        slot = this.udp!.buffer;
      } else if (op === OpKind.UdpSend) {
        this.udp!.sendDone();
      }
      batch.push(op, slot, ring.cqeUserHi(word), res, more);
    }
    ring.consume(n);
  }

  dispose(): void {
    for (let slot = 0; slot < this.fds.length; slot++) this.close(slot);
    this.ring.close();
    this.udp?.dispose();
    unmapMemory(this.slab);
  }
}

export function openUringQueue(params: UringWorkerParams): WorkerQueue {
  if (params.slots > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} slots per worker`);
  const ring = Ring.open(SQ_ENTRIES, WORKER_RING_FLAGS, CQ_ENTRIES);
  let slab: NativeMemory;
  try {
    // LIFETIME: one slab per worker, freed in dispose() once nothing is pending.
    // Reserved at every slot's ceiling; pages exist only once written, and
    // MAP_NORESERVE keeps the reservation out of the commit charge.
    const bytes = params.slots * slotStride(params.bufferBytes) + TIMESPEC_BYTES;
    slab = mapMemory(bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
  } catch (error) {
    ring.close();
    throw error;
  }
  let udp: UringUdp | null = null;
  try {
    if (params.udp >= 0) udp = UringUdp.open(ring, params.udp);
  } catch (error) {
    ring.close();
    unmapMemory(slab);
    throw error;
  }
  return new UringQueue(ring, slab, params, udp);
}
