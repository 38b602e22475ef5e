/**
 * The AcceptEx pool: ACCEPT_POOL contexts in the shared slab, each with an
 * AcceptEx posted on the listener and a fresh socket waiting for a client.
 * Each worker posts its share (every `workers`-th context from its index);
 * whichever worker dequeues a completion posts that context again.
 */
import type { Pointer } from "bun:ffi";
import { type CompletionBatch, type IssueResult, keepaliveTiming, OpKind } from "../../engine.ts";
import type { IocpWorkerParams } from "../../worker-params.ts";
import { OsError } from "../../os-error.ts";
import { statusToRes, win32Code } from "./errors.ts";
import { ERROR_IO_PENDING } from "./kernel32.ts";
import { bindAcceptEx } from "./mswsock.ts";
import type { CompletionPort } from "./completion-port.ts";
import { ACCEPT_BUSY, ACCEPT_IDLE, ACCEPT_STATE, LISTENING, OUTSTANDING, SOCKET_KEY } from "./iocp-shared.ts";
import { allocate, type NativeBlock, release } from "./native.ts";
import {
  ACCEPT_ADDRESS_BYTES,
  ACCEPT_OUTPUT,
  ACCEPT_RECEIVED,
  acceptCtxOffset,
  OVERLAPPED_BYTES,
  type SlabLayout,
} from "./op-context.ts";
import { type AcceptedSocketOptions, overlappedSocket, prepareAccepted, wsaError } from "./sockets.ts";
import { ws2_32 } from "./ws2_32.ts";

/** A client that reset before its accept finished is skipped this many times in a row at most. */
const RESET_RETRIES = 8;

export class AcceptPool {
  private readonly control: Int32Array;
  /** The socket waiting in each context, shared (any worker may adopt it). */
  private readonly sockets: Float64Array;
  private readonly acceptEx: ReturnType<typeof bindAcceptEx>;
  private readonly family: number;
  /** Connection slots' sockets and skip-mode flags, shared by every worker. */
  private readonly slotSockets: Float64Array;
  private readonly skips: Uint8Array;
  private readonly accepted: AcceptedSocketOptions;
  /** Arguments of the set-up calls (setsockopt values); freed by dispose(). */
  private readonly scratch: NativeBlock;

  constructor(
    shared: IocpWorkerParams,
    port: CompletionPort,
    private readonly layout: SlabLayout,
    private readonly slab: NativeBlock,
    private readonly slab8: Uint8Array,
    private readonly listener: number,
    private readonly index: number,
    private readonly workers: number,
  ) {
    this.control = new Int32Array(shared.control);
    this.sockets = new Float64Array(shared.acceptSockets);
    this.acceptEx = bindAcceptEx(shared.acceptEx);
    this.family = shared.family;
    this.slotSockets = new Float64Array(shared.sockets);
    this.skips = new Uint8Array(shared.skips);
    this.accepted = {
      listener,
      port,
      completionKey: SOCKET_KEY,
      keepalive: shared.keepaliveMs > 0 ? keepaliveTiming(shared.keepaliveMs) : null,
      skipOnSuccess: shared.skipOnSuccess,
    };
    this.scratch = allocate(4096, "accept set-up scratch");
  }

  /** Whether any AcceptEx, any worker's, is still outstanding. */
  get pending(): boolean {
    return Atomics.load(this.control, OUTSTANDING) > 0;
  }

  /** Posts the idle contexts of this worker's share. */
  start(): IssueResult {
    let result: IssueResult = "pending";
    for (let a = this.index; a < this.layout.acceptPool; a += this.workers) {
      if (Atomics.compareExchange(this.control, ACCEPT_STATE + a, ACCEPT_IDLE, ACCEPT_BUSY) !== ACCEPT_IDLE) continue;
      const r = this.post(a);
      if (r !== "pending") result = r;
    }
    return result;
  }

  /**
   * Context `a`'s connected socket becomes connection slot `slot`'s, set up
   * for its first receive, and `a` waits for the next client. The socket is
   * the slot's even when its set-up failed (returned), so that closing the
   * slot closes it.
   */
  adopt(a: number, slot: number): OsError | null {
    const socket = this.sockets[a]!;
    const prepared = prepareAccepted(this.scratch, socket, this.accepted);
    this.skips[slot] = prepared === true ? 1 : 0;
    this.slotSockets[slot] = socket;
    this.post(a);
    return prepared instanceof OsError ? prepared : null;
  }

  refuse(a: number): void {
    ws2_32.closesocket(this.sockets[a]!);
    this.post(a);
  }

  /** An AcceptEx completion for context `a`, as a batch record. */
  completed(batch: CompletionBatch, a: number): void {
    Atomics.sub(this.control, OUTSTANDING, 1);
    const status = this.slab.view.getUint32(acceptCtxOffset(this.layout, a), true);
    if (status === 0) {
      batch.push(OpKind.Accept, 0, 0, a, 1); // held until adopt() or refuse()
      return;
    }
    // Aborted (listener closed) or reset before the accept finished.
    ws2_32.closesocket(this.sockets[a]!);
    const again = this.post(a);
    batch.push(OpKind.Accept, 0, 0, statusToRes(status), again === "pending" ? 1 : 0);
  }

  /** AcceptEx on context `a` (already marked busy) with a fresh socket. */
  private post(a: number): IssueResult {
    const at = (offset: number) => (this.slab.address + offset) as Pointer;
    for (let attempt = 0; ; attempt++) {
      if (Atomics.load(this.control, LISTENING) === 0) return this.idle(a, new OsError("AcceptEx", "ECANCELED", 995));
      const socket = overlappedSocket(this.family);
      if (socket === null) return this.idle(a, wsaError("WSASocketW"));
      this.sockets[a] = socket;
      const ctx = acceptCtxOffset(this.layout, a);
      this.slab8.fill(0, ctx, ctx + OVERLAPPED_BYTES);
      Atomics.add(this.control, OUTSTANDING, 1);
      // LIFETIME: the context's OVERLAPPED and address buffer belong to the
      // kernel until this AcceptEx's completion is dequeued.
      const ok = this.acceptEx(
        this.listener,
        socket,
        at(ctx + ACCEPT_OUTPUT),
        0, // receive nothing: a silent client must not hold an accept slot
        ACCEPT_ADDRESS_BYTES,
        ACCEPT_ADDRESS_BYTES,
        at(ctx + ACCEPT_RECEIVED),
        at(ctx),
      );
      if (ok !== 0) return "pending";
      const error = ws2_32.WSAGetLastError();
      if (error === ERROR_IO_PENDING) return "pending";
      // Failed at once: no completion is coming; the context is ours again.
      Atomics.sub(this.control, OUTSTANDING, 1);
      ws2_32.closesocket(socket);
      if (win32Code(error) === "ECONNRESET" && attempt < RESET_RETRIES) continue;
      return this.idle(a, new OsError("AcceptEx", win32Code(error), error));
    }
  }

  dispose(): void {
    release(this.scratch);
  }

  private idle(a: number, error: OsError): OsError {
    Atomics.store(this.control, ACCEPT_STATE + a, ACCEPT_IDLE);
    return error;
  }
}
