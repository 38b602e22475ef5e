/**
 * The UDP half of the engine contract (src/engine.ts, whose WorkerQueue has
 * it as `udp`), in a file of its own so that the contract stays readable.
 */
import type { IssueResult } from "./os-error.ts";

/** A UdpRecv completion whose `slot` is this holds no buffer (io_uring errors, ENOBUFS). */
export const NO_UDP_BUFFER = 0xffffffff;

/**
 * The UDP half of a worker's queue, present with `--udp`: RFC 862 echo on a
 * datagram socket the host opened beside the TCP listener, on the same host
 * and port.
 *
 * Datagrams land in a fixed set of buffers the queue owns in its slab, each
 * with room for the largest datagram and its source address; nothing about
 * UDP grows with traffic. A `OpKind.UdpRecv` completion hands the buffer
 * named by its `slot` to the loop, with `res` the datagram's length, or
 * `-EMSGSIZE` when it did not fit (truncated: never echoed cut short), or
 * another negative errno. The loop gives every buffer back exactly once:
 * `reply` then, on its `OpKind.UdpSend` completion, `recycle`; or `recycle`
 * at once. Backends:
 *
 * - IOCP: each worker keeps a fixed number of `WSARecvFrom` posted, one per
 *   buffer; `recycle` posts the buffer's receive again. A receive that fails
 *   with WSAECONNRESET / WSAENETRESET (an ICMP answer to an earlier reply)
 *   still hands its buffer back, so the loop re-posts and never stops.
 * - io_uring: one multishot `IORING_OP_RECVMSG` per worker on a provided-
 *   buffer ring; `recycle` returns the buffer to the ring. A completion
 *   without more (`more` 0), ENOBUFS when the ring ran dry among them, means
 *   the receive ended and `startReceiving` must arm it again.
 */
export interface UdpQueue {
  /**
   * Arm receiving (io_uring: the multishot receive; IOCP: a receive on each
   * of this worker's idle buffers). Idempotent: what is armed stays as is.
   */
  startReceiving(): IssueResult;
  /** Withdraw the pending receives at once; their completions still arrive. Later `recycle`s only free their buffer. */
  stopReceiving(): void;
  /**
   * The source of the datagram in `buffer`: its port, with its address as
   * four words in `key` (see udp-policy's readSourceKey); -1 for a family
   * the server does not serve.
   */
  source(buffer: number, key: Uint32Array): number;
  /** Send the buffer's first `length` bytes back to its source, as one datagram. */
  reply(buffer: number, length: number): IssueResult;
  /**
   * The buffer is the queue's again: it receives once more (unless receiving
   * has stopped). An error means the buffer could not be put back to work
   * now; `startReceiving` tries again.
   */
  recycle(buffer: number): IssueResult;
  /** Operations this worker must see complete before it may exit and free its buffers. */
  readonly pending: boolean;
  /**
   * Receives and sends this worker issued so far: WSARecvFrom and WSASendTo
   * calls on IOCP; RECVMSG arms and SENDMSG entries on io_uring (giving a
   * buffer back to the ring is a memory write, not an operation).
   */
  readonly operations: number;
}
