/**
 * The IOCP backend's worker half: issues WSARecv/WSASend for the slots,
 * dequeues the shared port in batches with GetQueuedCompletionStatusEx, and
 * hands results to the loop. Two refinements sit between the port and the
 * loop, invisible to it: results of calls that completed at once on a
 * skip-on-success socket (InlineResults), and idle connections whose
 * receive is swapped for a zero-byte read so that it pins no buffer. The
 * shared-port rules are in iocp-shared.ts.
 */
import type { Pointer } from "bun:ffi";
import type { CompletionBatch, IssueResult, WorkerParams, WorkerQueue } from "../../engine.ts";
import { keepaliveTiming, OpKind } from "../../engine.ts";
import { ERRNO, OsError } from "../../os-error.ts";
import { AcceptPool } from "./accept-pool.ts";
import { statusToRes, win32Code } from "./errors.ts";
import { InlineResults } from "./inline-results.ts";
import { CONTROL_KEY, type IocpShared, SOCKET_KEY } from "./iocp-shared.ts";
import { ERROR_IO_PENDING, INFINITE, kernel32, OVERLAPPED_ENTRY_BYTES, WAIT_TIMEOUT } from "./kernel32.ts";
import { allocate, attach, type NativeBlock, readU64, release, writeU64 } from "./native.ts";
import {
  bufferOffset,
  CTX_DONE,
  CTX_FLAGS,
  CTX_GEN,
  CTX_KIND,
  CTX_SEND_HALF,
  CTX_WSABUF,
  connCtxOffset,
  contextAt,
  OVERLAPPED_BYTES,
  type SlabLayout,
  slabBytes,
} from "./op-context.ts";
import { ReceiveParking, type ReceivePoster } from "./receive-parking.ts";
import { type AcceptedSocketOptions, prepareAccepted } from "./sockets.ts";
import { SD_BOTH, SOCKET_ERROR, ws2_32 } from "./ws2_32.ts";

const BATCH_ENTRIES = 128;
/**
 * The port is asked again after this many waits served from inline results
 * alone, or after this many inline results, whichever comes first. Small
 * turns save the dequeue call; big ones hardly notice it, and under load the
 * port must be read often, because accepts arrive only through it.
 */
const INLINE_TURNS_BEFORE_DEQUEUE = 4;
const INLINE_RESULTS_BEFORE_DEQUEUE = BATCH_ENTRIES;

/** The receive's or the send's half of a slot's connection context. */
function opCtxOffset(slot: number, op: number): number {
  return connCtxOffset(slot) + (op === OpKind.Send ? CTX_SEND_HALF : 0);
}

class IocpQueue implements WorkerQueue, ReceivePoster {
  readonly threadId = kernel32.GetCurrentThreadId();
  readonly handle = 0;
  readonly bufferBytes: number;
  private readonly port: number;
  private readonly listener: number;
  private readonly layout: SlabLayout;
  private readonly slab: NativeBlock;
  /**
   * The slab as bytes, made once: a view made per operation is an object
   * per operation, and the soak under Wine showed this worker's heap never
   * being collected (one Uint8Array per op, +66 bytes each, RSS rising).
   */
  private readonly slab8: Uint8Array;
  private readonly sockets: Float64Array;
  private readonly accepts: AcceptPool;
  private readonly entries: NativeBlock;
  /** Arguments of this worker's synchronous calls (setsockopt values). */
  private readonly scratch: NativeBlock;
  private readonly accepted: AcceptedSocketOptions;
  private readonly skips: Uint8Array;
  private readonly inline: InlineResults;
  /** Waits in a row served from `inline` alone, and the results they moved; bounded so the port is never starved. */
  private inlineStreak = 0;
  private inlineSinceDequeue = 0;
  kernelWaits = 0;
  private readonly parking: ReceiveParking;
  private timerDeadline = 0;
  private timerCancelled = false;

  constructor(params: WorkerParams, index: number, workers: number) {
    const x = params.extra as unknown as IocpShared;
    this.bufferBytes = params.bufferBytes;
    this.port = Number(params.port);
    this.listener = Number(params.listener);
    this.layout = { slots: params.slots, acceptPool: x.acceptPool, bufferBytes: params.bufferBytes };
    this.slab = attach(x.slab, slabBytes(this.layout));
    this.slab8 = new Uint8Array(this.slab.bytes);
    this.sockets = new Float64Array(x.sockets);
    this.accepts = new AcceptPool(x, this.layout, this.slab, this.slab8, this.listener, index, workers);
    // LIFETIME: this worker's OVERLAPPED_ENTRY array, written by the kernel
    // only during GetQueuedCompletionStatusEx; freed in dispose().
    this.entries = allocate(BATCH_ENTRIES * OVERLAPPED_ENTRY_BYTES + 16, "completion entries");
    this.scratch = allocate(4096, "worker scratch");
    this.accepted = {
      listener: this.listener,
      port: this.port,
      completionKey: SOCKET_KEY,
      keepalive: x.keepaliveMs > 0 ? keepaliveTiming(x.keepaliveMs) : null,
      skipOnSuccess: x.skipOnSuccess,
    };
    this.skips = new Uint8Array(x.skips);
    this.inline = new InlineResults(params.slots);
    this.parking = new ReceiveParking(x.slotFlags, params.slots, this);
  }

  private ptr(offset: number): Pointer {
    return (this.slab.address + offset) as Pointer;
  }

  get acceptPending(): boolean {
    return this.accepts.pending;
  }

  get inlineCompletions(): number {
    return this.inline.delivered;
  }

  get idleReleases(): number {
    return this.parking.count;
  }

  /** Posts the idle accept contexts of this worker's share of the pool. */
  startAccepting(): IssueResult {
    return this.accepts.start();
  }

  stopAccepting(): void {
    // The host closed the listener; every pending AcceptEx completes aborted.
  }

  /** The accepted socket of context `a` becomes slot `slot`'s; `a` is posted again. */
  adopt(a: number, slot: number): void {
    const socket = this.accepts.socketOf(a);
    this.skips[slot] = prepareAccepted(this.scratch, socket, this.accepted) ? 1 : 0;
    this.parking.reset(slot);
    this.sockets[slot] = socket;
    this.accepts.repost(a);
  }

  refuse(a: number): void {
    this.accepts.refuse(a);
  }

  recv(slot: number, gen: number): IssueResult {
    const r = this.postReceive(slot, gen, this.bufferBytes);
    return r === "completed" ? this.completedInline(slot, gen, OpKind.Recv) : r;
  }

  postZeroByteRead(slot: number, gen: number): IssueResult {
    return this.postReceive(slot, gen, 0);
  }

  /** WSARecv into the slot's buffer; "completed": done at once on a skip-mode socket, no packet will come. */
  private postReceive(slot: number, gen: number, length: number): IssueResult {
    const ctx = this.prepare(slot, gen, OpKind.Recv, 0, length);
    this.slab.view.setUint32(ctx + CTX_FLAGS, 0, true);
    // LIFETIME: context and buffer belong to the kernel until the completion.
    const r = ws2_32.WSARecv(
      this.sockets[slot]!,
      this.ptr(ctx + CTX_WSABUF),
      1,
      this.ptr(ctx + CTX_DONE),
      this.ptr(ctx + CTX_FLAGS),
      this.ptr(ctx),
      null,
    );
    if (r === SOCKET_ERROR) return this.pendingOr("WSARecv");
    return this.skips[slot] === 1 ? "completed" : "pending";
  }

  send(slot: number, gen: number, offset: number, length: number): IssueResult {
    const ctx = this.prepare(slot, gen, OpKind.Send, offset, length);
    // LIFETIME: context and buffer belong to the kernel until the completion.
    const r = ws2_32.WSASend(
      this.sockets[slot]!,
      this.ptr(ctx + CTX_WSABUF),
      1,
      this.ptr(ctx + CTX_DONE),
      0,
      this.ptr(ctx),
      null,
    );
    if (r === SOCKET_ERROR) return this.pendingOr("WSASend");
    return this.skips[slot] === 1 ? this.completedInline(slot, gen, OpKind.Send) : "pending";
  }

  /**
   * The call succeeded at once on a skip-mode socket: no packet will come
   * through the port, so the result (the byte count the call wrote next to
   * the context) is handed to the next `wait` from here.
   */
  private completedInline(slot: number, gen: number, op: number): IssueResult {
    const ctx = opCtxOffset(slot, op);
    this.pushInline(slot, gen, op, this.slab.view.getUint32(ctx + CTX_DONE, true));
    return "completed";
  }

  pushInline(slot: number, gen: number, op: number, res: number): void {
    this.inline.push(slot, gen, op, res);
  }

  /** Zero the OVERLAPPED and fill WSABUF, kind and generation of the slot's context. */
  private prepare(slot: number, gen: number, kind: number, offset: number, length: number): number {
    const ctx = opCtxOffset(slot, kind);
    const v = this.slab.view;
    this.slab8.fill(0, ctx, ctx + OVERLAPPED_BYTES);
    const buffer = this.slab.address + bufferOffset(this.layout, slot) + offset;
    v.setUint32(ctx + CTX_WSABUF, length, true);
    writeU64(v, ctx + CTX_WSABUF + 8, buffer);
    v.setUint32(ctx + CTX_KIND, kind, true);
    v.setUint32(ctx + CTX_GEN, gen, true);
    return ctx;
  }

  private pendingOr(call: string): IssueResult {
    const error = ws2_32.WSAGetLastError();
    return error === ERROR_IO_PENDING ? "pending" : new OsError(call, win32Code(error), error);
  }

  abort(slot: number): void {
    // The flag first: a worker about to issue a zero-byte read for this slot
    // looks at it after issuing. shutdown() makes any later receive or send
    // fail at once; CancelIoEx ends what is pending now.
    this.parking.markAborted(slot);
    ws2_32.shutdown(this.sockets[slot]!, SD_BOTH);
    this.cancel(slot, false);
  }

  releaseIdle(slot: number): void {
    this.parking.release(slot);
  }

  cancel(slot: number, receiveOnly: boolean): void {
    kernel32.CancelIoEx(this.sockets[slot]!, receiveOnly ? this.ptr(opCtxOffset(slot, OpKind.Recv)) : null);
  }

  close(slot: number): void {
    const socket = this.sockets[slot]!;
    if (socket !== 0) ws2_32.closesocket(socket);
    this.sockets[slot] = 0;
  }

  armTimer(ms: number): void {
    this.timerDeadline = performance.now() + ms;
  }

  cancelTimer(): void {
    if (this.timerDeadline === 0) return;
    this.timerDeadline = 0;
    this.timerCancelled = true;
  }

  passOn(command: number): void {
    kernel32.PostQueuedCompletionStatus(this.port, command, CONTROL_KEY, null);
  }

  wait(batch: CompletionBatch): void {
    batch.count = 0;
    if (this.timerCancelled) {
      this.timerCancelled = false;
      batch.push(OpKind.Timer, 0, 0, -ERRNO.ECANCELED, 0);
    }
    // Inline results alone may serve a few turns in a row, which saves the
    // dequeue call; then the port gets its turn, with room kept for it in
    // the batch: a backlog of inline results must never crowd out accepts
    // and exit keys (it did, with 1000 busy connections under Wine).
    const portTurn =
      this.inline.count === 0 ||
      this.inlineStreak >= INLINE_TURNS_BEFORE_DEQUEUE ||
      this.inlineSinceDequeue >= INLINE_RESULTS_BEFORE_DEQUEUE;
    this.inlineSinceDequeue += this.inline.moveInto(
      batch,
      batch.capacity - batch.count - (portTurn ? BATCH_ENTRIES : 0),
    );
    if (portTurn) {
      this.inlineStreak = 0;
      this.inlineSinceDequeue = 0;
      this.dequeue(batch);
    } else {
      this.inlineStreak++;
    }
    if (this.timerDeadline !== 0 && batch.count < batch.capacity && performance.now() >= this.timerDeadline) {
      this.timerDeadline = 0;
      batch.push(OpKind.Timer, 0, 0, 0, 0);
    }
  }

  /** One GetQueuedCompletionStatusEx: blocks only when the batch is still empty. */
  private dequeue(batch: CompletionBatch): void {
    const room = Math.min(BATCH_ENTRIES, batch.capacity - batch.count);
    if (room === 0) return;
    const timeout =
      batch.count > 0
        ? 0
        : this.timerDeadline === 0
          ? INFINITE
          : Math.max(0, Math.ceil(this.timerDeadline - performance.now()));
    const removedAt = (this.entries.address + BATCH_ENTRIES * OVERLAPPED_ENTRY_BYTES + 8) as Pointer;
    this.kernelWaits++;
    const ok = kernel32.GetQueuedCompletionStatusEx(
      this.port,
      this.entries.address as Pointer,
      room,
      removedAt,
      timeout,
      0,
    );
    if (ok === 0) {
      const error = kernel32.GetLastError();
      if (error !== WAIT_TIMEOUT) throw new OsError("GetQueuedCompletionStatusEx", win32Code(error), error);
      return;
    }
    const n = this.entries.view.getUint32(BATCH_ENTRIES * OVERLAPPED_ENTRY_BYTES + 8, true);
    for (let i = 0; i < n; i++) this.take(batch, i * OVERLAPPED_ENTRY_BYTES);
  }

  /** One OVERLAPPED_ENTRY -> one batch record (loop to the count returned, never the array length). */
  private take(batch: CompletionBatch, e: number): void {
    const v = this.entries.view;
    const overlapped = readU64(v, e + 8);
    const bytes = v.getUint32(e + 24, true);
    if (overlapped === 0) {
      if (v.getUint32(e, true) === CONTROL_KEY) batch.push(OpKind.Control, 0, 0, bytes, 0);
      return;
    }
    const ctxNumber = contextAt(this.layout, this.slab.address, overlapped);
    if (ctxNumber < 0) return; // not one of ours; never touch it
    const s = this.slab.view;
    if (ctxNumber < this.layout.slots) {
      // The status is in the OVERLAPPED's Internal field, not in a later GetLastError.
      const ctx = overlapped - this.slab.address; // the receive's or the send's half
      const status = s.getUint32(ctx, true);
      const kind = s.getUint32(ctx + CTX_KIND, true);
      const gen = s.getUint32(ctx + CTX_GEN, true);
      if (kind === OpKind.Recv && this.parking.settle(ctxNumber, gen, status)) return;
      batch.push(kind, ctxNumber, gen, status === 0 ? bytes : statusToRes(status), 0);
      return;
    }
    this.accepts.completed(batch, ctxNumber - this.layout.slots);
  }

  dispose(): void {
    release(this.entries);
    release(this.scratch);
  }
}

export function openIocpQueue(params: WorkerParams, index: number, workers: number): WorkerQueue {
  return new IocpQueue(params, index, workers);
}
