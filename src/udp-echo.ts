/**
 * The UDP half of a worker's completion loop: what to do with each UdpRecv
 * and UdpSend completion. Backend-agnostic (it talks to a UdpQueue only),
 * allocates nothing per datagram, and never lets an error stop receiving:
 * UDP has no connection to close, so every failure is counted and the
 * buffer goes back to receiving.
 */
import type { IssueResult } from "./engine.ts";
import { NO_UDP_BUFFER, type UdpQueue } from "./udp-queue.ts";
import { ERRNO } from "./os-error.ts";
import { reflectionDrop, UdpDrop, type SourceRateTable } from "./udp-policy.ts";

/**
 * Receive errors that an ICMP message about an earlier reply causes (the
 * peer's port or host was unreachable; on Windows WSAECONNRESET /
 * WSAENETRESET unless SIO_UDP_CONNRESET is off). They say nothing about our
 * socket: re-post.
 */
const PEER_GONE = new Set<number>([
  -ERRNO.ECONNRESET,
  -ERRNO.ENETRESET,
  -ERRNO.ECONNREFUSED,
  -ERRNO.EHOSTUNREACH,
  -ERRNO.ENETUNREACH,
]);
/** Re-arms that failed in a row before re-arming waits for the loop's next tick. */
const REARMS_BEFORE_BACKOFF = 3;

/** Where each UDP counter goes in the worker's stats row. */
export interface UdpFields {
  received: number;
  echoed: number;
  truncated: number;
  droppedReflectionPort: number;
  droppedOwnPort: number;
  droppedRate: number;
  bytesReceived: number;
  bytesSent: number;
  peerGone: number;
  errors: number;
}

export class UdpEcho {
  private readonly key = new Uint32Array(4);
  private readonly dropField: number[];
  private stopped = false;
  /** 1 while the receive is armed (io_uring's multishot); IOCP keeps it 1. */
  private armed = false;
  private failedArms = 0;
  /**
   * Buffers this worker's loop holds (handed over by a receive, not yet
   * recycled). Meaningful on io_uring, where a worker's buffers are its own;
   * on IOCP another worker may recycle a buffer this one received, but IOCP
   * never ends a receive with ENOBUFS, the one case that reads it.
   */
  private held = 0;
  /**
   * The receive ended with ENOBUFS: every buffer was in the loop's hands.
   * Re-arming before one comes back would only fail the same way, so the
   * next recycle re-arms.
   */
  private starved = false;

  constructor(
    private readonly queue: UdpQueue,
    private readonly serverPort: number,
    private readonly rates: SourceRateTable,
    private readonly c: Float64Array,
    private readonly f: UdpFields,
  ) {
    this.dropField = [];
    this.dropField[UdpDrop.ReflectionPort] = f.droppedReflectionPort;
    this.dropField[UdpDrop.OwnPort] = f.droppedOwnPort;
    this.dropField[UdpDrop.Rate] = f.droppedRate;
  }

  /**
   * Arm receiving, unless stopped or armed. `tick` (the loop's timer fired)
   * asks the queue even when armed: startReceiving is idempotent, and on
   * IOCP it re-posts buffers whose post failed. After repeated failures
   * only the tick re-arms.
   */
  start(tick = false): void {
    if (this.stopped || (this.armed && !tick)) return;
    if (this.failedArms >= REARMS_BEFORE_BACKOFF && !tick) return;
    const result = this.queue.startReceiving();
    if (result === "pending" || result === "completed") {
      this.armed = true;
      return;
    }
    this.failedArms++;
    this.c[this.f.errors]!++;
  }

  /** Shutdown began: no more datagrams. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.stopReceiving();
  }

  /** Nothing of UDP's is outstanding: the worker may exit. */
  get drained(): boolean {
    return !this.queue.pending;
  }

  onReceive(buffer: number, res: number, more: number, nowMs: number): void {
    if (buffer !== NO_UDP_BUFFER) this.onDatagram(buffer, res, nowMs);
    else if (res < 0 && res !== -ERRNO.ECANCELED && res !== -ERRNO.ENOBUFS) this.countError(res);
    if (more === 0) {
      // The multishot receive ended (ENOBUFS when the buffers ran out, an
      // error, or a cancel): arm it again unless shutting down.
      this.armed = false;
      if (res >= 0 || res === -ERRNO.ENOBUFS) this.failedArms = 0;
      else if (res !== -ERRNO.ECANCELED) this.failedArms++;
      if (res === -ERRNO.ENOBUFS && this.held > 0) this.starved = true;
      else this.start();
    }
  }

  /** Give a buffer back; the first one back after the buffers ran dry re-arms the receive. */
  private recycle(buffer: number): void {
    this.held--;
    const result = this.queue.recycle(buffer);
    if (result !== "pending" && result !== "completed") this.c[this.f.errors]!++;
    if (this.starved) {
      this.starved = false;
      this.start();
    }
  }

  onSend(buffer: number, res: number): void {
    const c = this.c;
    if (res >= 0) {
      c[this.f.echoed]!++;
      c[this.f.bytesSent]! += res;
    } else {
      this.countError(res);
    }
    this.recycle(buffer);
  }

  private onDatagram(buffer: number, res: number, nowMs: number): void {
    const { c, f } = this;
    this.held++;
    if (res < 0) {
      if (res === -ERRNO.EMSGSIZE) {
        c[f.received]!++;
        c[f.truncated]!++;
      } else if (res !== -ERRNO.ECANCELED) {
        this.countError(res);
      }
      this.recycle(buffer);
      return;
    }
    c[f.received]!++;
    c[f.bytesReceived]! += res;
    const port = this.queue.source(buffer, this.key);
    const drop = port < 0 ? -2 : this.judge(port, nowMs);
    if (drop !== -1) {
      // -2: a source family the socket cannot have (not AF_INET/AF_INET6).
      c[drop === -2 ? f.errors : this.dropField[drop]!]!++;
      this.recycle(buffer);
      return;
    }
    this.issued(buffer, this.queue.reply(buffer, res));
  }

  /** -1 to echo, else the UdpDrop reason. */
  private judge(port: number, nowMs: number): number {
    const reflected = reflectionDrop(port, this.serverPort);
    if (reflected >= 0) return reflected;
    return this.rates.admit(this.key, nowMs) ? -1 : UdpDrop.Rate;
  }

  /** A reply that failed at once gets no completion: the buffer comes back now. */
  private issued(buffer: number, result: IssueResult): void {
    if (result === "pending" || result === "completed") return;
    this.c[this.f.errors]!++;
    this.recycle(buffer);
  }

  private countError(res: number): void {
    this.c[PEER_GONE.has(res) ? this.f.peerGone : this.f.errors]!++;
  }
}
