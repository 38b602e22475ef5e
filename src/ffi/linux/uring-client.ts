/**
 * The bench's client queue on io_uring: one ring per worker, a socket per
 * connection made with socket(2) and connected with IORING_OP_CONNECT, then
 * the same RECV and SEND operations as the server. With the udp transport
 * the sockets are datagram sockets: IORING_OP_CONNECT sets their peer (at
 * once, no packet sent), and a RECV or SEND is one datagram. The slab holds, per
 * slot, a receive area then a send area; then the shared pattern the TCP
 * loop sends from (ClientParams.patternBytes); then the target's sockaddr
 * (read by the kernel for every connect) and the timer's timespec; then,
 * with ClientParams.multishotReceives, a provided-buffer ring and its
 * buffers (armed-receives.ts).
 */
import type { Pointer } from "bun:ffi";
import { type ClientParams, type ClientQueue, UDP_RECEIVE_QUEUE_BYTES } from "../../client-queue.ts";
import { type CompletionBatch, type IssueResult, OpKind } from "../../engine.ts";
import { ERRNO, OsError } from "../../os-error.ts";
import { formatAddress, writeSockaddr } from "../sockaddr.ts";
import { ArmedReceives, buffersFor } from "./armed-receives.ts";
import { BUFFER_GROUP } from "./buffer-ring.ts";
import { gettid, Ring } from "./io-uring.ts";
import {
  IORING_ASYNC_CANCEL_ALL,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_MORE,
  IORING_OP,
  IORING_SETUP,
  IOSQE_CQE_SKIP_SUCCESS,
  MSG_NOSIGNAL,
  MSG_WAITALL,
  SOCK_CLOEXEC,
} from "./io-uring-abi.ts";
import { allocateNative, lastErrno, libc, type NativeMemory, PAGE_BYTES, unmapMemory } from "./libc.ts";
import { SHUT_RDWR } from "./sockets.ts";
import {
  MAX_SLOTS,
  opOf,
  prepCancel,
  prepConnect,
  prepRecv,
  prepRecvMultishot,
  prepSend,
  prepTimeout,
  setSqeFlags,
  slotOf,
  userLo,
  writeTimespec,
} from "./sqe.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const SQ_ENTRIES = 1024;
const CQ_ENTRIES = 16384;
const RING_FLAGS = [
  IORING_SETUP.SUBMIT_ALL | IORING_SETUP.COOP_TASKRUN | IORING_SETUP.SINGLE_ISSUER | IORING_SETUP.DEFER_TASKRUN,
  IORING_SETUP.SUBMIT_ALL | IORING_SETUP.COOP_TASKRUN | IORING_SETUP.SINGLE_ISSUER,
  0,
];
/**
 * What the client cannot run without. A ping-pong receive's
 * IORING_RECVSEND_POLL_FIRST (Linux 5.19) has no probe of its own, and older
 * kernels fail every such receive with EINVAL: IORING_OP_SOCKET, also 5.19,
 * stands for it.
 */
const CLIENT_OPS = [
  [IORING_OP.CONNECT, "IORING_OP_CONNECT (Linux 5.5)"],
  [IORING_OP.SOCKET, "IORING_OP_SOCKET (Linux 5.19, as IORING_RECVSEND_POLL_FIRST)"],
] as const;
/** The target's sockaddr, then an int for setsockopt, then the timer's timespec. */
const SOCKADDR_BYTES = 32;
const OPTION_BYTES = 8;
const TIMESPEC_BYTES = 16;
const TAIL_BYTES = SOCKADDR_BYTES + OPTION_BYTES + TIMESPEC_BYTES;
class UringClientQueue implements ClientQueue {
  readonly threadId = gettid();
  readonly areaBytes: number;
  readonly memory: Uint8Array;
  private readonly fds: Int32Array;
  private readonly gens: Uint32Array;
  private readonly connecting: Uint8Array;
  readonly patternAt: number;
  private readonly tail: number;
  private readonly family: number;
  private readonly sockaddrLength: number;
  private readonly view: DataView;
  private readonly where: string;
  private readonly udp: boolean;
  /** Where each entry of the last batch received into (receivedAt), with armed receives. */
  private entryAt = new Int32Array(0);
  private readonly rearm = (slot: number, gen: number) => this.armReceive(slot, gen);

  constructor(
    private readonly ring: Ring,
    private readonly slab: NativeMemory,
    params: ClientParams,
    private readonly armed: ArmedReceives | null,
  ) {
    this.areaBytes = params.areaBytes;
    this.memory = new Uint8Array(slab.bytes);
    this.fds = new Int32Array(params.slots).fill(-1);
    this.gens = new Uint32Array(params.slots);
    this.connecting = new Uint8Array(params.slots);
    this.patternAt = params.slots * 2 * params.areaBytes;
    this.tail = this.patternAt + params.patternBytes;
    this.view = new DataView(slab.bytes, this.tail, SOCKADDR_BYTES + OPTION_BYTES + TIMESPEC_BYTES);
    const { v6, length } = writeSockaddr(this.view, 0, params.address, params.port, AF_INET6);
    this.family = v6 ? AF_INET6 : AF_INET;
    this.sockaddrLength = length;
    this.where = formatAddress(params.address, params.port);
    this.udp = params.transport === "udp";
  }

  private address(offset: number): number {
    return this.slab.address + offset;
  }

  connect(slot: number, gen: number): IssueResult {
    const fd = libc.socket(this.family, (this.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0) return OsError.fromErrno("socket", lastErrno(), this.where);
    const option = this.address(this.tail + SOCKADDR_BYTES) as Pointer;
    if (this.udp) {
      // A larger queue only helps (the kernel caps it at net.core.rmem_max).
      this.view.setInt32(SOCKADDR_BYTES, UDP_RECEIVE_QUEUE_BYTES, true);
      libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, option, 4);
    } else {
      // Ping-pong messages are small: without TCP_NODELAY each would wait for Nagle.
      this.view.setInt32(SOCKADDR_BYTES, 1, true);
      libc.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, option, 4);
    }
    this.fds[slot] = fd;
    this.gens[slot] = gen;
    this.connecting[slot] = 1;
    // LIFETIME: the kernel reads the sockaddr in the slab's tail, which lives as long as the queue.
    prepConnect(this.ring, fd, this.address(this.tail), this.sockaddrLength, userLo(slot, OpKind.Connect), gen);
    return "pending";
  }

  recv(slot: number, gen: number, nothingSent: boolean): IssueResult {
    this.connecting[slot] = 0;
    if (this.armed !== null) {
      this.armReceive(slot, gen);
      return "pending";
    }
    // LIFETIME: the kernel writes the slot's receive area until the CQE.
    const at = this.address(this.receiveAt(slot));
    prepRecv(this.ring, this.fds[slot]!, at, this.areaBytes, userLo(slot, OpKind.Recv), gen, nothingSent);
    return "pending";
  }

  private armReceive(slot: number, gen: number): void {
    // LIFETIME: the kernel writes the ring's buffers, which live as long as the queue; each is ours from its CQE until we give it back.
    prepRecvMultishot(this.ring, this.fds[slot]!, BUFFER_GROUP, userLo(slot, OpKind.Recv), gen);
  }

  get multishotReceives(): boolean {
    return this.armed !== null;
  }

  receivedAt(entry: number, slot: number): number {
    return this.armed === null ? this.receiveAt(slot) : this.entryAt[entry]!;
  }

  readonly quietSends = true;

  send(slot: number, gen: number, at: number, length: number, quiet: boolean): IssueResult {
    // LIFETIME: the kernel reads the slot's send area or the pattern until the
    // CQE, or until the request ends for a quiet send (the pattern, which
    // lives as long as the queue and nothing rewrites).
    const flags = quiet ? MSG_NOSIGNAL | MSG_WAITALL : MSG_NOSIGNAL;
    const w = prepSend(this.ring, this.fds[slot]!, this.address(at), length, flags, userLo(slot, OpKind.Send), gen);
    if (quiet) setSqeFlags(this.ring, w, IOSQE_CQE_SKIP_SUCCESS);
    return "pending";
  }

  same(a: number, b: number, length: number): boolean {
    return libc.memcmp(this.address(a), this.address(b), length) === 0;
  }

  receiveAt(slot: number): number {
    return slot * 2 * this.areaBytes;
  }

  sendAt(slot: number): number {
    return (slot * 2 + 1) * this.areaBytes;
  }

  abort(slot: number): void {
    const fd = this.fds[slot]!;
    if (fd < 0) return;
    if (this.connecting[slot] === 1 || this.udp) {
      // A connect still in progress ignores shutdown(2), and a datagram
      // socket's pending receive may too: cancel by user_data (ECANCELED).
      // A datagram socket's sends never wait for a peer, so only its receive needs it.
      const target = userLo(slot, this.connecting[slot] === 1 ? OpKind.Connect : OpKind.Recv);
      const w = prepCancel(this.ring, target, 0, userLo(0, OpKind.Cancel), 0, this.gens[slot]!);
      setSqeFlags(this.ring, w, IOSQE_CQE_SKIP_SUCCESS);
    } else {
      // A pending recv then completes with 0 and a pending send with EPIPE.
      libc.shutdown(fd, SHUT_RDWR);
    }
  }

  close(slot: number): void {
    const fd = this.fds[slot]!;
    if (fd >= 0) libc.close(fd);
    this.fds[slot] = -1;
    this.connecting[slot] = 0;
  }

  armTimer(ms: number): void {
    const at = SOCKADDR_BYTES + OPTION_BYTES;
    writeTimespec(this.view, at, ms);
    prepTimeout(this.ring, this.address(this.tail + at), userLo(0, OpKind.Timer), 0);
  }

  cancelTimer(): void {
    const w = prepCancel(this.ring, userLo(0, OpKind.Timer), IORING_ASYNC_CANCEL_ALL, userLo(0, OpKind.Cancel), 0);
    setSqeFlags(this.ring, w, IOSQE_CQE_SKIP_SUCCESS);
  }

  wait(batch: CompletionBatch): void {
    const ring = this.ring;
    const armed = this.armed;
    if (armed !== null) {
      armed.release(this.rearm);
      if (this.entryAt.length < batch.capacity) this.entryAt = new Int32Array(batch.capacity);
    }
    ring.submitAndWait();
    batch.count = 0;
    const n = Math.min(ring.ready, batch.capacity);
    for (let i = 0; i < n; i++) {
      const word = ring.cqeWord(i);
      const lo = ring.cqeUserLo(word);
      const op = opOf(lo);
      const res = ring.cqeRes(word);
      if (armed === null || op !== OpKind.Recv) {
        batch.push(op, slotOf(lo), ring.cqeUserHi(word), res, 0);
        continue;
      }
      const flags = ring.cqeFlags(word);
      if (res === -ERRNO.ENOBUFS) {
        // The ring ran dry and the multishot ended: re-armed once the batch's buffers are back.
        armed.rearmLater(slotOf(lo), ring.cqeUserHi(word));
        continue;
      }
      if ((flags & IORING_CQE_F_BUFFER) !== 0) this.entryAt[batch.count] = armed.hold(flags);
      batch.push(op, slotOf(lo), ring.cqeUserHi(word), res, (flags & IORING_CQE_F_MORE) !== 0 ? 1 : 0);
    }
    ring.consume(n);
  }

  dispose(): void {
    for (let slot = 0; slot < this.fds.length; slot++) this.close(slot);
    // Closing the ring unregisters the buffer ring, so the slab may go after it.
    this.ring.close();
    unmapMemory(this.slab);
  }
}

export function openUringClientQueue(params: ClientParams): ClientQueue {
  if (params.slots > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} connections per worker`);
  const ring = Ring.open(SQ_ENTRIES, RING_FLAGS, CQ_ENTRIES);
  let slab: NativeMemory | null = null;
  try {
    ring.requireOps(CLIENT_OPS);
    // Multishot recv has no probe of its own: IORING_OP_SEND_ZC came with it (Linux 6.0) and stands for it.
    const multishot =
      params.multishotReceives && params.transport === "tcp" && ring.supportedOps().has(IORING_OP.SEND_ZC);
    const areas = params.slots * 2 * params.areaBytes + params.patternBytes;
    const ringAt = Math.ceil((areas + TAIL_BYTES) / PAGE_BYTES) * PAGE_BYTES;
    const buffers = multishot ? buffersFor(params.slots) : 0;
    // LIFETIME: one slab per worker, freed in dispose() once nothing is pending and the ring is closed.
    slab = allocateNative(multishot ? ringAt + ArmedReceives.slabBytes(buffers, params.areaBytes) : areas + TAIL_BYTES);
    const armed = multishot ? new ArmedReceives(slab, ringAt, buffers, params.areaBytes, params.slots) : null;
    armed?.register(ring);
    return new UringClientQueue(ring, slab, params, armed);
  } catch (error) {
    ring.close();
    if (slab !== null) unmapMemory(slab);
    throw error;
  }
}
