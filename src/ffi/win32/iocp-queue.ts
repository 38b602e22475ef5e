/**
 * The IOCP backend's worker half: issues WSARecv/WSASend for the slots,
 * dequeues the shared port in batches with GetQueuedCompletionStatusEx, and
 * hands results to the loop. Two refinements sit between the port and the
 * loop, invisible to it: results of calls that completed at once on a
 * skip-on-success socket (InlineResults), and idle connections whose
 * receive is swapped for a zero-byte read (receive-parking.ts). Shared-port
 * rules: iocp-shared.ts.
 */
import type { Pointer } from "bun:ffi";
import { type CompletionBatch, type IssueResult, OpKind, type WorkerQueue } from "../../engine.ts";
import type { IocpWorkerParams } from "../../worker-params.ts";
import { ERRNO, OsError } from "../../os-error.ts";
import { high32 } from "../u64.ts";
import { AcceptPool } from "./accept-pool.ts";
import { CompletionEntries, CompletionPort } from "./completion-port.ts";
import { statusToRes, win32Code } from "./errors.ts";
import { InlineResults } from "./inline-results.ts";
import { CONTROL_KEY } from "./iocp-shared.ts";
import { ERROR_IO_PENDING, kernel32 } from "./kernel32.ts";
import { attach, type NativeBlock } from "./native.ts";
import {
  bufferOffset,
  bufferStride,
  CTX_DONE,
  CTX_FLAGS,
  CTX_GEN,
  CTX_KIND,
  CTX_WSABUF,
  contextAt,
  OVERLAPPED_BYTES,
  opCtxOffset,
  type SlabLayout,
  slabBytes,
} from "./op-context.ts";
import { PortTimer } from "./port-timer.ts";
import { ReceiveMemory } from "./receive-memory.ts";
import { ReceiveParking, type ReceivePoster } from "./receive-parking.ts";
import { recvWithContext, sendWithContext } from "./sockets.ts";
import { IocpUdp, udpSlabBytes } from "./udp-iocp.ts";
import { SD_BOTH, SOCKET_ERROR, ws2_32 } from "./ws2_32.ts";

const BATCH_ENTRIES = 128;

class IocpQueue implements WorkerQueue, ReceivePoster {
  readonly threadId = kernel32.GetCurrentThreadId();
  readonly handle = 0;
  readonly bufferBytes: number;
  private readonly port: CompletionPort;
  private readonly layout: SlabLayout;
  private readonly slab: NativeBlock;
  /** The slab as bytes, made once: a view per op grew this worker's heap for ever under Wine (+66 B/op). */
  private readonly slab8: Uint8Array;
  private readonly sockets: Float64Array;
  private readonly accepts: AcceptPool;
  private readonly entries: CompletionEntries;
  private readonly buffers: number; // slot 0's buffer
  readonly receiveMemory: ReceiveMemory;
  /** Slots whose socket's set-up failed (adopt): their first receive returns the error, and the loop closes them. */
  private readonly setupFailures = new Map<number, OsError>();
  private readonly skips: Uint8Array;
  private readonly inline: InlineResults;
  kernelWaits = 0;
  readonly udp: IocpUdp | null;
  private readonly parking: ReceiveParking;
  private readonly timer = new PortTimer();

  constructor(x: IocpWorkerParams, index: number, workers: number) {
    this.bufferBytes = x.bufferBytes;
    this.port = CompletionPort.of(x.port);
    this.layout = { slots: x.slots, acceptPool: x.acceptPool, bufferBytes: x.bufferBytes };
    this.slab = attach(x.slab, slabBytes(this.layout));
    this.buffers = this.slab.address + bufferOffset(this.layout, 0);
    this.receiveMemory = new ReceiveMemory(x.receive, x.slots, this.buffers, bufferStride(this.layout));
    this.slab8 = new Uint8Array(this.slab.bytes);
    this.sockets = new Float64Array(x.sockets);
    this.accepts = new AcceptPool(x, this.port, this.layout, this.slab, this.slab8, x.listener, index, workers);
    this.entries = new CompletionEntries(BATCH_ENTRIES);
    this.skips = new Uint8Array(x.skips);
    this.inline = new InlineResults(x.slots, BATCH_ENTRIES);
    this.parking = new ReceiveParking(x.slotFlags, x.slots, this);
    this.udp = x.udpControl && new IocpUdp(x.udp, attach(x.udpSlab, udpSlabBytes(x.udpBuffers)), x.udpControl, index);
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

  startAccepting(): IssueResult {
    return this.accepts.start();
  }

  stopAccepting(): void {
    // The host closed the listener; every pending AcceptEx completes aborted.
  }

  /** Accept context `a`'s socket becomes slot `slot`'s; a failed set-up fails the slot's first receive. */
  adopt(a: number, slot: number): void {
    const error = this.accepts.adopt(a, slot);
    if (error !== null) this.setupFailures.set(slot, error);
    this.parking.reset(slot);
  }

  refuse(a: number): void {
    this.accepts.refuse(a);
  }

  /** At most `length` bytes, into memory committed for them; by default the length last asked for (parking). */
  recv(slot: number, gen: number, length = this.receiveMemory.wanted[slot]!): IssueResult {
    const failed = this.setupFailures.size > 0 ? this.setupFailures.get(slot) : undefined;
    if (failed !== undefined) {
      this.setupFailures.delete(slot);
      return failed;
    }
    this.receiveMemory.wanted[slot] = length;
    const noMemory = this.receiveMemory.fit(slot, length);
    if (noMemory !== null) return noMemory;
    const r = this.postReceive(slot, gen, length);
    return r === "completed" ? this.completedInline(slot, gen, OpKind.Recv) : r;
  }

  /** The slot's receive was cancelled, nothing of it is outstanding: its pages go back while it waits. */
  postZeroByteRead(slot: number, gen: number): IssueResult {
    this.receiveMemory.fit(slot, 0); // a failed decommit leaves the pages committed, and counted
    return this.postReceive(slot, gen, 0);
  }

  /** WSARecv into the slot's buffer; "completed": done at once on a skip-mode socket, no packet will come. */
  private postReceive(slot: number, gen: number, length: number): IssueResult {
    const ctx = this.prepare(slot, gen, OpKind.Recv, 0, length);
    this.slab.view.setUint32(ctx + CTX_FLAGS, 0, true);
    // LIFETIME: context and buffer belong to the kernel until the completion.
    const r = recvWithContext(this.sockets[slot]!, this.slab.address + ctx);
    if (r === SOCKET_ERROR) return this.pendingOr("WSARecv");
    return this.skips[slot] === 1 ? "completed" : "pending";
  }

  send(slot: number, gen: number, offset: number, length: number): IssueResult {
    const ctx = this.prepare(slot, gen, OpKind.Send, offset, length);
    // LIFETIME: context and buffer belong to the kernel until the completion.
    const r = sendWithContext(this.sockets[slot]!, this.slab.address + ctx);
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
    const buffer = this.receiveMemory.addressOf(slot) + offset;
    v.setUint32(ctx + CTX_WSABUF, length, true);
    v.setUint32(ctx + CTX_WSABUF + 8, buffer >>> 0, true); // WSABUF.buf, two words
    v.setUint32(ctx + CTX_WSABUF + 12, high32(buffer), true);
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
    this.receiveMemory.fit(slot, 0); // nothing of the slot is outstanding: a closed connection holds no memory
  }

  armTimer(ms: number): void {
    this.timer.arm(ms);
  }

  cancelTimer(): void {
    this.timer.cancel();
  }

  passOn(command: number): void {
    this.port.post(command, CONTROL_KEY);
  }

  wait(batch: CompletionBatch): void {
    batch.count = 0;
    if (this.timer.takeCancelled()) batch.push(OpKind.Timer, 0, 0, -ERRNO.ECANCELED, 0);
    // A port turn keeps room in the batch for the port (see InlineResults.serve).
    if (this.inline.serve(batch, BATCH_ENTRIES)) this.dequeue(batch);
    if (batch.count < batch.capacity && this.timer.takeDue()) batch.push(OpKind.Timer, 0, 0, 0, 0);
  }

  /** One GetQueuedCompletionStatusEx: blocks only when the batch is still empty. */
  private dequeue(batch: CompletionBatch): void {
    const room = Math.min(BATCH_ENTRIES, batch.capacity - batch.count);
    if (room === 0) return;
    const timeout = batch.count > 0 ? 0 : this.timer.waitMs();
    this.kernelWaits++;
    const n = this.port.getMany(this.entries, room, timeout);
    for (let i = 0; i < n; i++) this.take(batch, i);
  }

  /** Entry `i` -> one batch record (loop to the count returned, never the array length). */
  private take(batch: CompletionBatch, i: number): void {
    const e = this.entries;
    const overlapped = e.overlapped(i);
    const bytes = e.bytes(i);
    if (overlapped === 0) {
      if (e.key(i) === CONTROL_KEY) batch.push(OpKind.Control, 0, 0, bytes, 0);
      return;
    }
    if (this.udp?.deliver(batch, overlapped, bytes)) return;
    const ctxNumber = contextAt(this.layout, this.slab.address, overlapped);
    if (ctxNumber < 0) return; // not one of ours; never touch it
    const s = this.slab.view;
    if (ctxNumber < this.layout.slots) {
      // The status is in the OVERLAPPED's Internal field, not in a later GetLastError.
      const ctx = overlapped - this.slab.address; // the receive's or the send's half
      const status = s.getUint32(ctx, true);
      const kind = s.getUint32(ctx + CTX_KIND, true);
      const gen = s.getUint32(ctx + CTX_GEN, true);
      // An ordinary receive (succeeded, not parked) never enters parking.
      const parkingMayTakeIt = status !== 0 || Atomics.load(this.parking.parked, ctxNumber) === 1;
      if (kind === OpKind.Recv && parkingMayTakeIt && this.parking.settle(ctxNumber, gen, status)) return;
      batch.push(kind, ctxNumber, gen, status === 0 ? bytes : statusToRes(status), 0);
      return;
    }
    this.accepts.completed(batch, ctxNumber - this.layout.slots);
  }

  dispose(): void {
    this.entries.dispose();
    this.accepts.dispose();
  }
}

export function openIocpQueue(params: IocpWorkerParams, index: number, workers: number): WorkerQueue {
  return new IocpQueue(params, index, workers);
}
