/**
 * The UDP half of an io_uring worker (engine.ts UdpQueue): one multishot
 * IORING_OP_RECVMSG on the shared datagram socket, drawing from this
 * worker's provided-buffer ring; each echo is an IORING_OP_SENDMSG from the
 * buffer the datagram arrived in, which goes back to the ring when the send
 * completes. (A plain ring, not an incremental one: recvmsg on incremental
 * rings has open bugs.) Modelled on liburing's examples/io_uring-udp.c.
 *
 * Slab layout, one allocation per worker, page-aligned:
 *
 *   [0, RING)           the buffer ring (buffer-ring.ts): UDP_BUFFERS x struct io_uring_buf
 *   RECV_MSGHDR         the msghdr the multishot receive was armed with: only
 *                       msg_namelen (NAME_BYTES) and msg_controllen (0) count
 *   REG                 struct io_uring_buf_reg, read once at registration
 *   SEND_MSGHDRS        per buffer: a msghdr (56 bytes) and its iovec (16)
 *   BUFFERS             per buffer, BUFFER_STRIDE bytes:
 *                         [0, 16)    struct io_uring_recvmsg_out
 *                         [16, 48)   the source address (sockaddr_in/in6)
 *                         [48, ...)  the datagram, up to PAYLOAD_BYTES
 */
import { type IssueResult, OpKind } from "../../engine.ts";
import { NO_UDP_BUFFER, type UdpQueue } from "../../udp-queue.ts";
import { OsError } from "../../os-error.ts";
import { readSourceKey } from "../../udp-policy.ts";
import {
  IO_URING_BUF_REG_BYTES,
  IO_URING_RECVMSG_OUT_BYTES,
  IORING_ASYNC_CANCEL_ALL,
  IORING_CQE_BUFFER_SHIFT,
  IORING_CQE_F_BUFFER,
  IOSQE_CQE_SKIP_SUCCESS,
  MSG_TRUNC,
} from "./io-uring-abi.ts";
import { BUFFER_GROUP, BufferRing } from "./buffer-ring.ts";
import type { Ring } from "./io-uring.ts";
import { allocateNative, type NativeMemory, PAGE_BYTES, unmapMemory } from "./libc.ts";
import { prepCancel, prepRecvmsgMultishot, prepSendmsg, setSqeFlags, userLo } from "./sqe.ts";
import { writeU64 } from "../u64.ts";

/** Datagram buffers per worker: a power of two (the ring's size), a fixed bound on UDP memory in flight. */
export const UDP_BUFFERS = 64;
/** The largest UDP payload (IPv6: 65,535 - 8), rounded up. */
const PAYLOAD_BYTES = 65_536;
/** Room for a sockaddr_in6 (28 bytes), rounded to keep the payload 16-byte aligned. */
const NAME_BYTES = 32;
const PAYLOAD_OFFSET = IO_URING_RECVMSG_OUT_BYTES + NAME_BYTES;
/** What the kernel may fill: header, name, payload. */
const BUFFER_BYTES = PAYLOAD_OFFSET + PAYLOAD_BYTES;
const BUFFER_STRIDE = Math.ceil(BUFFER_BYTES / 64) * 64;
const MSGHDR_BYTES = 56;
const IOVEC_BYTES = 16;
const SEND_STRIDE = MSGHDR_BYTES + IOVEC_BYTES;
/** msghdr field offsets (x86-64 and arm64 Linux). */
const MSG = { name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 48 } as const;
const AF_INET6 = 10;
const EMSGSIZE = 90;

const RING_BYTES = BufferRing.bytes(UDP_BUFFERS);
const RECV_MSGHDR = RING_BYTES;
const REG = RECV_MSGHDR + MSGHDR_BYTES;
const SEND_MSGHDRS = REG + IO_URING_BUF_REG_BYTES;
const BUFFERS = Math.ceil((SEND_MSGHDRS + UDP_BUFFERS * SEND_STRIDE) / PAGE_BYTES) * PAGE_BYTES;
const SLAB_BYTES = BUFFERS + UDP_BUFFERS * BUFFER_STRIDE;

export class UringUdp implements UdpQueue {
  private readonly view: DataView;
  private readonly buffers: BufferRing;
  private armed = false;
  private stopped = false;
  private sends = 0;
  operations = 0;
  /** The buffer of the receive completion `translate` read last (NO_UDP_BUFFER when none). */
  buffer = NO_UDP_BUFFER;

  private constructor(
    private readonly ring: Ring,
    private readonly fd: number,
    private readonly slab: NativeMemory,
  ) {
    this.view = new DataView(slab.bytes);
    this.buffers = new BufferRing(slab.bytes, 0, UDP_BUFFERS);
  }

  /** Registers this worker's buffer ring on `ring` and fills it; `fd` is the shared datagram socket. */
  static open(ring: Ring, fd: number): UringUdp {
    // LIFETIME: the kernel reads the ring and writes the buffers until the ring closes; freed in dispose().
    const slab = allocateNative(SLAB_BYTES);
    try {
      const udp = new UringUdp(ring, fd, slab);
      udp.register();
      udp.armAndProbe();
      return udp;
    } catch (error) {
      unmapMemory(slab);
      throw error;
    }
  }

  private register(): void {
    const v = this.view;
    v.setUint32(RECV_MSGHDR + MSG.namelen, NAME_BYTES, true);
    this.buffers.register(this.ring, this.slab.address, REG, BUFFER_GROUP);
    for (let b = 0; b < UDP_BUFFERS; b++) {
      const at = SEND_MSGHDRS + b * SEND_STRIDE;
      // Fixed per buffer: the name and payload always sit at the same place.
      writeU64(v, at + MSG.name, this.bufferAddress(b) + IO_URING_RECVMSG_OUT_BYTES);
      writeU64(v, at + MSG.iov, this.slab.address + at + MSGHDR_BYTES);
      writeU64(v, at + MSG.iovlen, 1);
      writeU64(v, at + MSGHDR_BYTES, this.bufferAddress(b) + PAYLOAD_OFFSET);
      this.recycle(b);
    }
  }

  /**
   * Arms the receive and submits it now: a kernel without multishot recvmsg
   * (before Linux 6.0) rejects the SQE as it takes it, and the worker then
   * fails to start naming that, instead of serving no UDP while TCP works.
   */
  private armAndProbe(): void {
    this.startReceiving();
    this.ring.submit(0);
    if (this.ring.ready === 0) return;
    const word = this.ring.cqeWord(0);
    const res = this.ring.cqeRes(word);
    // Anything else (a datagram already) is the loop's to handle.
    if (this.ring.cqeUserLo(word) !== userLo(0, OpKind.UdpRecv) || res >= 0) return;
    this.ring.consume(1);
    this.armed = false;
    throw OsError.fromErrno("io_uring_enter(RECVMSG)", res, "--udp on io_uring needs multishot recvmsg (Linux 6.0)");
  }

  private bufferAddress(b: number): number {
    return this.slab.address + BUFFERS + b * BUFFER_STRIDE;
  }

  startReceiving(): IssueResult {
    if (this.stopped || this.armed) return "pending";
    // LIFETIME: the kernel reads the msghdr when it takes the SQE and writes
    // each datagram into a buffer of the group, which the CQE hands to us.
    const msghdr = this.slab.address + RECV_MSGHDR;
    prepRecvmsgMultishot(this.ring, this.fd, msghdr, MSG_TRUNC, BUFFER_GROUP, userLo(0, OpKind.UdpRecv), 0);
    this.armed = true;
    this.operations++;
    return "pending";
  }

  stopReceiving(): void {
    this.stopped = true;
    if (!this.armed) return;
    const w = prepCancel(this.ring, userLo(0, OpKind.UdpRecv), IORING_ASYNC_CANCEL_ALL, userLo(0, OpKind.Cancel), 0);
    setSqeFlags(this.ring, w, IOSQE_CQE_SKIP_SUCCESS);
  }

  source(buffer: number, key: Uint32Array): number {
    const name = BUFFERS + buffer * BUFFER_STRIDE + IO_URING_RECVMSG_OUT_BYTES;
    if (!readSourceKey(this.view, name, AF_INET6, key)) return -1;
    return this.view.getUint16(name + 2, false);
  }

  reply(buffer: number, length: number): IssueResult {
    const v = this.view;
    const at = SEND_MSGHDRS + buffer * SEND_STRIDE;
    v.setUint32(at + MSG.namelen, v.getUint32(BUFFERS + buffer * BUFFER_STRIDE, true), true); // out.namelen
    writeU64(v, at + MSGHDR_BYTES + 8, length); // iov_len
    // LIFETIME: the kernel reads the msghdr, name and payload (all in this
    // buffer's part of the slab) until the CQE; the buffer is not recycled before.
    prepSendmsg(this.ring, this.fd, this.slab.address + at, 0, userLo(buffer, OpKind.UdpSend), 0);
    this.sends++;
    this.operations++;
    return "pending";
  }

  recycle(buffer: number): IssueResult {
    this.buffers.add(this.bufferAddress(buffer), BUFFER_BYTES, buffer, 0);
    this.buffers.advance(1);
    return "pending";
  }

  get pending(): boolean {
    return this.armed || this.sends > 0;
  }

  /**
   * A UdpRecv CQE as the loop wants it: sets `buffer` and returns the
   * datagram's length, -EMSGSIZE when it was cut, or the error. A CQE without
   * IORING_CQE_F_MORE ends the multishot receive.
   */
  translateReceive(res: number, flags: number, more: number): number {
    if (more === 0) this.armed = false;
    if ((flags & IORING_CQE_F_BUFFER) === 0) {
      this.buffer = NO_UDP_BUFFER;
      return res;
    }
    const b = flags >>> IORING_CQE_BUFFER_SHIFT;
    const out = BUFFERS + b * BUFFER_STRIDE;
    this.buffer = b;
    if ((this.view.getUint32(out + 12, true) & MSG_TRUNC) !== 0) return -EMSGSIZE;
    // payloadlen is the datagram's length; what the buffer holds is res minus the header and name.
    return Math.min(this.view.getUint32(out + 8, true), res - PAYLOAD_OFFSET);
  }

  /** A UdpSend CQE arrived. */
  sendDone(): void {
    this.sends--;
  }

  /** After the ring has closed (which unregisters the buffer ring). */
  dispose(): void {
    unmapMemory(this.slab);
  }
}
