/**
 * The bench's client queue on IOCP. Unlike the server, each worker has a
 * completion port of its own: its connections are its alone, so no
 * completion ever needs another worker. A connection is an overlapped
 * socket, bound to the wildcard address (ConnectEx requires it), associated
 * with the port, then connected with ConnectEx.
 *
 * Slab (VirtualAlloc'd, one per worker):
 *   [ contexts: slots x 128 ] [ areas: slots x (receive, send) ] [ pattern: patternBytes ]
 *   [ target sockaddr 32 ] [ wildcard sockaddr 32 ]
 * A context is the server's connection context (op-context.ts): two 64-byte
 * halves, the receive's and the send's, each OVERLAPPED, WSABUF, flags, kind, generation.
 * The connect uses the send's half: no send can be pending before it completes.
 *
 * As on the server, sockets of an IFS provider are put in skip-on-success
 * mode: a call that succeeds at once (a loopback send, a receive with data
 * waiting) queues no packet; its result waits in InlineResults for the next
 * `wait`, which saves one dequeue per such operation.
 *
 * With the udp transport a connection is an overlapped datagram socket
 * given its peer by connect(2) (ConnectEx takes stream sockets only); that
 * is immediate, so its Connect result goes to InlineResults at once. Its
 * receives and sends complete through the port (no skip-on-success: a
 * datagram socket is cheap to keep on the common path). ICMP errors stay
 * on: a port-unreachable answer fails the socket's receive, which is how a
 * target with nothing listening shows.
 */
import type { Pointer } from "bun:ffi";
import { type ClientParams, type ClientQueue, UDP_RECEIVE_QUEUE_BYTES } from "../../client-queue.ts";
import { type CompletionBatch, type IssueResult, OpKind } from "../../engine.ts";
import { ERRNO, OsError } from "../../os-error.ts";
import { writeSockaddr } from "../sockaddr.ts";
import { CompletionEntries, CompletionPort } from "./completion-port.ts";
import { statusToRes, win32Code } from "./errors.ts";
import { InlineResults } from "./inline-results.ts";
import { ERROR_IO_PENDING, kernel32 } from "./kernel32.ts";
import { bindConnectEx, loadConnectEx } from "./mswsock.ts";
import { allocate, type NativeBlock, release, writeU64 } from "./native.ts";
import { ntdll } from "./ntdll.ts";
import { PortTimer } from "./port-timer.ts";
import { CONN_CTX_BYTES, CTX_DONE, CTX_FLAGS, CTX_GEN, CTX_KIND, CTX_SEND_HALF, CTX_WSABUF } from "./op-context.ts";
import {
  ifsProvider,
  overlappedSocket,
  recvWithContext,
  sendWithContext,
  setIntOption,
  skipCompletionOnSuccess,
  wsaError,
} from "./sockets.ts";
import {
  AF_INET6,
  IPPROTO_TCP,
  SD_BOTH,
  SO_RCVBUF,
  SO_UPDATE_CONNECT_CONTEXT,
  SOCKET_ERROR,
  SOL_SOCKET,
  TCP_NODELAY,
  ws2_32,
} from "./ws2_32.ts";

const SOCKADDR_BYTES = 32;
const BATCH_ENTRIES = 128;

class IocpClientQueue implements ClientQueue {
  readonly threadId = kernel32.GetCurrentThreadId();
  readonly areaBytes: number;
  private readonly sockets: Float64Array;
  /** 1 where the slot's socket is in skip-on-success mode. */
  private readonly skips: Uint8Array;
  /** Results of calls that succeeded at once on such a socket: two per slot at most (a receive, a send or connect). */
  private readonly inline: InlineResults;
  /** Whether the provider allows skip-on-success; asked of the first socket. */
  private skipMode: boolean | null = null;
  private readonly areas: number;
  readonly patternAt: number;
  private readonly target: number;
  private readonly wildcard: number;
  private readonly targetLength: number;
  private readonly wildcardLength: number;
  private readonly family: number;
  readonly memory: Uint8Array;
  private connectEx: ReturnType<typeof bindConnectEx> | null = null;
  private readonly timer = new PortTimer();
  private readonly udp: boolean;

  constructor(
    private readonly port: CompletionPort,
    private readonly slab: NativeBlock,
    private readonly entries: CompletionEntries,
    private readonly scratch: NativeBlock,
    params: ClientParams,
  ) {
    this.areaBytes = params.areaBytes;
    this.sockets = new Float64Array(params.slots);
    this.skips = new Uint8Array(params.slots);
    this.inline = new InlineResults(2 * params.slots, BATCH_ENTRIES);
    this.areas = params.slots * CONN_CTX_BYTES;
    this.patternAt = this.areas + params.slots * 2 * params.areaBytes;
    this.target = this.patternAt + params.patternBytes;
    this.wildcard = this.target + SOCKADDR_BYTES;
    const t = writeSockaddr(slab.view, this.target, params.address, params.port, AF_INET6);
    const w = writeSockaddr(slab.view, this.wildcard, t.v6 ? "::" : "0.0.0.0", 0, AF_INET6);
    this.targetLength = t.length;
    this.wildcardLength = w.length;
    this.family = t.v6 ? AF_INET6 : 2;
    this.memory = new Uint8Array(slab.bytes);
    this.udp = params.transport === "udp";
  }

  private ptr(offset: number): Pointer {
    return (this.slab.address + offset) as Pointer;
  }

  connect(slot: number, gen: number): IssueResult {
    if (this.udp) return this.connectDatagram(slot, gen);
    const socket = overlappedSocket(this.family);
    if (socket === null) return wsaError("WSASocketW");
    this.sockets[slot] = socket;
    const associated = this.port.associate(socket, 0);
    if (associated !== null) return associated;
    if (ws2_32.bind(socket, this.ptr(this.wildcard), this.wildcardLength) === SOCKET_ERROR) return wsaError("bind");
    // Ping-pong messages are small: without TCP_NODELAY each would wait for Nagle.
    const nodelay = setIntOption(this.scratch, socket, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    if (nodelay !== null) return nodelay;
    this.connectEx ??= bindConnectEx(loadConnectEx(socket, this.scratch));
    this.skipMode ??= ifsProvider(socket, this.scratch);
    this.skips[slot] = this.skipMode && skipCompletionOnSuccess(socket) ? 1 : 0;
    const ctx = this.prepare(slot, gen, OpKind.Connect, 0, 0);
    // LIFETIME: the context and the target sockaddr belong to the kernel until the completion.
    const ok = this.connectEx(socket, this.ptr(this.target), this.targetLength, null, 0, null, this.ptr(ctx));
    if (ok === 0) return this.pendingOr("ConnectEx");
    if (this.skips[slot] === 0) return "pending";
    this.inline.push(slot, gen, OpKind.Connect, this.connected(slot));
    return "completed";
  }

  private connectDatagram(slot: number, gen: number): IssueResult {
    const socket = overlappedSocket(this.family, "udp");
    if (socket === null) return wsaError("WSASocketW");
    this.sockets[slot] = socket;
    this.skips[slot] = 0;
    const associated = this.port.associate(socket, 0);
    if (associated !== null) return associated;
    // A larger queue only helps; a refusal is not an error.
    setIntOption(this.scratch, socket, SOL_SOCKET, SO_RCVBUF, UDP_RECEIVE_QUEUE_BYTES, "SO_RCVBUF");
    const r = ws2_32.connect(socket, this.ptr(this.target), this.targetLength);
    const res = r === SOCKET_ERROR ? -ERRNO[win32Code(ws2_32.WSAGetLastError())] : 0;
    this.inline.push(slot, gen, OpKind.Connect, res);
    return "completed";
  }

  /** Winsock has no "wait before trying", and a receive that finds nothing just stays pending: `_nothingSent` changes nothing. */
  recv(slot: number, gen: number, _nothingSent: boolean): IssueResult {
    const ctx = this.prepare(slot, gen, OpKind.Recv, this.receiveAt(slot), this.areaBytes);
    this.slab.view.setUint32(ctx + CTX_FLAGS, 0, true);
    // LIFETIME: context and receive area belong to the kernel until the completion.
    const r = recvWithContext(this.sockets[slot]!, this.slab.address + ctx);
    return r === SOCKET_ERROR ? this.pendingOr("WSARecv") : this.succeeded(slot, gen, OpKind.Recv, ctx);
  }

  /** Every WSASend completes (through the port, or inline in skip mode): none is quiet. */
  readonly quietSends = false;

  send(slot: number, gen: number, at: number, length: number, _quiet: boolean): IssueResult {
    const ctx = this.prepare(slot, gen, OpKind.Send, at, length);
    // LIFETIME: the context belongs to the kernel until the completion, and
    // it reads the bytes (send area or pattern) until then.
    const r = sendWithContext(this.sockets[slot]!, this.slab.address + ctx);
    return r === SOCKET_ERROR ? this.pendingOr("WSASend") : this.succeeded(slot, gen, OpKind.Send, ctx);
  }

  /** A call that succeeded at once: in skip mode no packet will come, so its byte count waits for `wait`. */
  private succeeded(slot: number, gen: number, kind: number, ctx: number): IssueResult {
    if (this.skips[slot] === 0) return "pending";
    this.inline.push(slot, gen, kind, this.slab.view.getUint32(ctx + CTX_DONE, true));
    return "completed";
  }

  same(a: number, b: number, length: number): boolean {
    return ntdll.RtlCompareMemory(this.ptr(a), this.ptr(b), length) === length;
  }

  /** Zero the OVERLAPPED; WSABUF (`length` bytes of the slab from `at`), kind and generation of the half the operation uses. */
  private prepare(slot: number, gen: number, kind: number, at: number, length: number): number {
    const ctx = slot * CONN_CTX_BYTES + (kind === OpKind.Recv ? 0 : CTX_SEND_HALF);
    const v = this.slab.view;
    this.memory.fill(0, ctx, ctx + CTX_WSABUF);
    v.setUint32(ctx + CTX_WSABUF, length, true);
    writeU64(v, ctx + CTX_WSABUF + 8, this.slab.address + at);
    v.setUint32(ctx + CTX_KIND, kind, true);
    v.setUint32(ctx + CTX_GEN, gen, true);
    return ctx;
  }

  private pendingOr(call: string): IssueResult {
    const error = ws2_32.WSAGetLastError();
    return error === ERROR_IO_PENDING ? "pending" : new OsError(call, win32Code(error), error);
  }

  readonly multishotReceives = false;

  receivedAt(_entry: number, slot: number): number {
    return this.receiveAt(slot);
  }

  receiveAt(slot: number): number {
    return this.areas + slot * 2 * this.areaBytes;
  }

  sendAt(slot: number): number {
    return this.areas + (slot * 2 + 1) * this.areaBytes;
  }

  abort(slot: number): void {
    const socket = this.sockets[slot]!;
    if (socket === 0) return;
    // CancelIoEx ends a pending ConnectEx too (STATUS_CANCELLED); shutdown fails later calls at once.
    ws2_32.shutdown(socket, SD_BOTH);
    kernel32.CancelIoEx(socket, null);
  }

  close(slot: number): void {
    const socket = this.sockets[slot]!;
    if (socket !== 0) ws2_32.closesocket(socket);
    this.sockets[slot] = 0;
    this.skips[slot] = 0;
  }

  armTimer(ms: number): void {
    this.timer.arm(ms);
  }

  cancelTimer(): void {
    this.timer.cancel();
  }

  wait(batch: CompletionBatch): void {
    batch.count = 0;
    if (this.timer.takeCancelled()) batch.push(OpKind.Timer, 0, 0, -ERRNO.ECANCELED, 0);
    // Room is kept for the timer's record, and on a port turn for the port (see InlineResults.serve).
    if (this.inline.serve(batch, BATCH_ENTRIES + 1)) this.dequeue(batch);
    // A full batch leaves a due timer to the next wait, which is at once.
    if (batch.count < batch.capacity && this.timer.takeDue()) batch.push(OpKind.Timer, 0, 0, 0, 0);
  }

  /** One GetQueuedCompletionStatusEx: blocks only when the batch is still empty. */
  private dequeue(batch: CompletionBatch): void {
    const room = Math.min(BATCH_ENTRIES, batch.capacity - batch.count - 1);
    if (room <= 0) return;
    const timeout = batch.count > 0 ? 0 : this.timer.waitMs();
    const n = this.port.getMany(this.entries, room, timeout);
    for (let i = 0; i < n; i++) this.take(batch, i);
  }

  /** One OVERLAPPED_ENTRY -> one batch record; the status is the OVERLAPPED's Internal field. */
  private take(batch: CompletionBatch, i: number): void {
    const ctx = this.entries.overlapped(i) - this.slab.address;
    if (ctx < 0 || ctx >= this.areas || ctx % CTX_SEND_HALF !== 0) return; // not one of ours
    const s = this.slab.view;
    const slot = Math.floor(ctx / CONN_CTX_BYTES);
    const kind = s.getUint32(ctx + CTX_KIND, true);
    const status = s.getUint32(ctx, true);
    let res = status === 0 ? this.entries.bytes(i) : statusToRes(status);
    if (kind === OpKind.Connect && res === 0) res = this.connected(slot);
    batch.push(kind, slot, s.getUint32(ctx + CTX_GEN, true), res, 0);
  }

  /** Gives a ConnectEx socket its connected state; 0 or a negative errno. */
  private connected(slot: number): number {
    const r = ws2_32.setsockopt(this.sockets[slot]!, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, null, 0);
    return r === SOCKET_ERROR ? -ERRNO[win32Code(ws2_32.WSAGetLastError())] : 0;
  }

  dispose(): void {
    for (let slot = 0; slot < this.sockets.length; slot++) this.close(slot);
    this.port.close();
    this.entries.dispose();
    release(this.scratch);
    release(this.slab);
  }
}

export function openIocpClientQueue(params: ClientParams): ClientQueue {
  const scratch = allocate(4096, "client scratch");
  // WSAStartup counts its callers; each worker's call is matched by nothing, as the process ends with the run.
  const started = ws2_32.WSAStartup(0x0202, scratch.address as Pointer);
  if (started !== 0) throw new OsError("WSAStartup", win32Code(started), started);
  const port = CompletionPort.create();
  const slabLength = params.slots * (CONN_CTX_BYTES + 2 * params.areaBytes) + params.patternBytes + 2 * SOCKADDR_BYTES;
  // LIFETIME: slab and entries are the kernel's while operations are pending; freed in dispose().
  const slab = allocate(slabLength, "client slab");
  const entries = new CompletionEntries(BATCH_ENTRIES);
  return new IocpClientQueue(port, slab, entries, scratch, params);
}
