/**
 * The io_uring backend. One ring per worker (rings are not made to be shared,
 * and SINGLE_ISSUER makes the creating thread the only submitter), each with
 * its own multishot accept on the one shared listening socket. The main
 * thread keeps a small control ring whose IORING_OP_MSG_RING posts commands,
 * the exit key among them, straight into a worker's completion queue: the
 * io_uring analogue of PostQueuedCompletionStatus.
 */
import {
  OpKind,
  type BoundAddress,
  type CompletionBatch,
  type EngineHost,
  type IssueResult,
  type WorkerParams,
  type WorkerQueue,
} from "../../engine.ts";
import { OsError } from "../../os-error.ts";
import type { Pointer } from "bun:ffi";
import { allocateNative, lastErrno, libc, MADV_DONTNEED, PAGE_BYTES, unmapMemory, type NativeMemory } from "./libc.ts";
import {
  gettid,
  IORING_ACCEPT_MULTISHOT,
  IORING_ASYNC_CANCEL_ALL,
  IORING_CQE_F_MORE,
  IORING_OP,
  IORING_SETUP,
  IOSQE_CQE_SKIP_SUCCESS,
  Ring,
} from "./io-uring.ts";
import { listenTcp, SHUT_RDWR } from "./sockets.ts";
import { MAX_SLOTS, opOf, slotOf, userLo } from "./user-data.ts";

const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SQ_ENTRIES = 1024;
const CQ_ENTRIES = 16384;
/** Best first; EINVAL from an older kernel moves on to the next set. */
const WORKER_RING_FLAGS = [
  IORING_SETUP.SUBMIT_ALL | IORING_SETUP.COOP_TASKRUN | IORING_SETUP.SINGLE_ISSUER | IORING_SETUP.DEFER_TASKRUN,
  IORING_SETUP.SUBMIT_ALL | IORING_SETUP.COOP_TASKRUN | IORING_SETUP.SINGLE_ISSUER,
  0,
];
/** Opcodes the server cannot run without, with the kernel that added them. */
const REQUIRED_OPS: [number, string][] = [
  [IORING_OP.ACCEPT, "IORING_OP_ACCEPT (Linux 5.5)"],
  [IORING_OP.RECV, "IORING_OP_RECV (Linux 5.6)"],
  [IORING_OP.SEND, "IORING_OP_SEND (Linux 5.6)"],
  [IORING_OP.TIMEOUT, "IORING_OP_TIMEOUT (Linux 5.4)"],
  [IORING_OP.ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL (Linux 5.5)"],
  [IORING_OP.MSG_RING, "IORING_OP_MSG_RING (Linux 5.18)"],
];

function requireOps(ring: Ring): void {
  const supported = ring.supportedOps();
  const missing = REQUIRED_OPS.filter(([op]) => !supported.has(op)).map(([, name]) => name);
  if (missing.length > 0) {
    throw new OsError("io_uring_register(PROBE)", "ENOSYS", 38, `kernel lacks ${missing.join(", ")}`);
  }
}

class UringHost implements EngineHost {
  readonly backend = "io_uring" as const;
  readonly sharesConnections = false;
  private listener = -1;
  private readonly ringFds: number[] = [];

  constructor(private readonly control: Ring) {}

  listen(host: string, port: number, backlog: number, keepaliveMs: number): BoundAddress {
    const { fd, bound } = listenTcp(host, port, backlog, keepaliveMs);
    this.listener = fd;
    return bound;
  }

  workerParams(slots: number, bufferBytes: number): WorkerParams {
    return { backend: "io_uring", listener: String(this.listener), port: "", slots, bufferBytes };
  }

  attach(index: number, ringFd: number): void {
    this.ringFds[index] = ringFd;
  }

  post(index: number, command: number): void {
    const target = this.ringFds[index];
    if (target === undefined) return;
    // MSG_RING: the target ring gets a CQE with user_data = off, res = len.
    this.control.prep(IORING_OP.MSG_RING, target, 0, command, userLo(0, OpKind.Control), 0, 0, 0);
    while (!this.control.submit(1));
    const word = this.control.cqeWord(0);
    const res = this.control.cqeRes(word);
    this.control.consume(1);
    if (res < 0) throw OsError.fromErrno("io_uring_enter(MSG_RING)", res, `worker ${index}`);
  }

  stopAccepting(): void {
    // shutdown(2) on a listening socket moves it out of LISTEN: every
    // worker's pending multishot accept completes with an error, and new
    // connection attempts are refused at once instead of queueing.
    if (this.listener >= 0) libc.shutdown(this.listener, SHUT_RDWR);
  }

  raiseOpenFileLimit(): { before: number; after: number } {
    const RLIMIT_NOFILE = 7;
    const limits = allocateNative(16);
    try {
      const v = new DataView(limits.bytes);
      if (libc.getrlimit(RLIMIT_NOFILE, limits.address as Pointer) !== 0)
        throw OsError.fromErrno("getrlimit", lastErrno());
      const before = Number(v.getBigUint64(0, true));
      v.setBigUint64(0, v.getBigUint64(8, true), true); // soft = hard
      if (libc.setrlimit(RLIMIT_NOFILE, limits.address as Pointer) !== 0)
        throw OsError.fromErrno("setrlimit", lastErrno());
      return { before, after: Number(v.getBigUint64(0, true)) };
    } finally {
      unmapMemory(limits);
    }
  }

  dispose(): void {
    if (this.listener >= 0) libc.close(this.listener);
    this.listener = -1;
    this.control.close();
  }
}

export function openUringHost(): EngineHost {
  const control = Ring.open(16, [0]);
  try {
    requireOps(control);
  } catch (error) {
    control.close();
    throw error;
  }
  return new UringHost(control);
}

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
    params: WorkerParams,
  ) {
    this.bufferBytes = params.bufferBytes;
    this.listener = Number(params.listener);
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
    const ioprio = this.multishot ? IORING_ACCEPT_MULTISHOT : 0;
    this.ring.prep(IORING_OP.ACCEPT, this.listener, 0, 0, 0, SOCK_CLOEXEC, userLo(0, OpKind.Accept), 0, ioprio);
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
    const lo = userLo(0, OpKind.Cancel);
    this.ring.prep(IORING_OP.ASYNC_CANCEL, -1, target, 0, 0, IORING_ASYNC_CANCEL_ALL, lo, 0, 0, IOSQE_CQE_SKIP_SUCCESS);
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
    this.ring.prep(IORING_OP.RECV, this.fds[slot]!, address, this.bufferBytes, 0, 0, userLo(slot, OpKind.Recv), gen);
    return "pending";
  }

  send(slot: number, gen: number, offset: number, length: number): IssueResult {
    // LIFETIME: the kernel reads the slot's slab buffer until the CQE.
    const address = this.bufferAddress(slot) + offset;
    this.ring.prep(IORING_OP.SEND, this.fds[slot]!, address, length, 0, MSG_NOSIGNAL, userLo(slot, OpKind.Send), gen);
    return "pending";
  }

  abort(slot: number): void {
    // A pending recv then completes with 0 and a pending send with EPIPE,
    // so the connection leaves through the loop's ordinary close path.
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
    this.ring.prep(IORING_OP.TIMEOUT, -1, this.timespecAddress, 1, 0, 0, userLo(0, OpKind.Timer), 0);
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
      if (op === OpKind.Accept && res === -22) this.multishot = false;
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

export function openUringQueue(params: WorkerParams): WorkerQueue {
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
