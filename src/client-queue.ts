/**
 * The client half of the engine contract (src/engine.ts), used by
 * `iocp-echo bench`: a queue of outgoing connections on the same completion
 * engine as the server. In a file of its own so that the contract stays
 * readable.
 */
import type { BackendName, CompletionBatch } from "./engine.ts";
import type { IssueResult } from "./os-error.ts";

/** A datagram socket's receive queue (SO_RCVBUF), both backends: room for a window of echoes while the loop is busy. */
export const UDP_RECEIVE_QUEUE_BYTES = 1 << 20;

/** What a ClientQueue needs to open: the target, and its slots' sizes. Structured-cloneable. */
export interface ClientParams {
  backend: BackendName;
  address: string;
  port: number;
  family: 4 | 6;
  slots: number;
  /**
   * tcp: a stream socket per slot, connected with the engine's connect.
   * udp (`bench --udp`): a datagram socket per slot, connected to the target
   * so that it sends there and receives only from there; each receive then
   * completes with one datagram, each send is one datagram.
   */
  transport: "tcp" | "udp";
  /** Bytes of each slot's receive area, and of its send area. */
  areaBytes: number;
  /**
   * Bytes of one region after the slots' areas that every slot may send
   * from and compare against: the bench's payload pattern (tcp), written
   * once by the loop; 0 for none.
   */
  patternBytes: number;
  /**
   * tcp: one receive per connection that stays armed, its bytes in buffers
   * the connections share (io_uring's multishot recv, Linux 6.0), where the
   * engine has it; a ping-pong client's choice, where each echo would
   * otherwise re-arm a receive. A queue without it (IOCP, an older kernel)
   * receives as ever.
   */
  multishotReceives: boolean;
}

/**
 * The client half: outgoing connections, one per slot, each with a receive
 * area and a send area of `areaBytes` in the queue's native memory. The
 * kernel reads and writes an area while an operation on it is pending; the
 * loop reads received bytes and writes bytes to send only in between.
 */
export interface ClientQueue {
  readonly threadId: number;
  readonly areaBytes: number;
  /**
   * The queue's native memory as bytes, made once: a view made per
   * operation would be an object per operation (the server's soak under
   * Wine showed such garbage never being collected).
   */
  readonly memory: Uint8Array;
  /** Where in `memory` the slot's receive area starts, and its send area. */
  receiveAt(slot: number): number;
  /**
   * Where in `memory` the bytes of the last batch's entry `entry`, a Recv
   * completion of `slot`, are: the slot's receive area, or the buffer an
   * armed receive filled. Valid until the next wait.
   */
  receivedAt(entry: number, slot: number): number;
  sendAt(slot: number): number;
  /** Where in `memory` the shared region of ClientParams.patternBytes starts. */
  readonly patternAt: number;
  /**
   * Whether `memory[a, a + length)` and `memory[b, b + length)` hold the same
   * bytes, in one native call: what checking an echo against the pattern
   * costs, whatever its length.
   */
  same(a: number, b: number, length: number): boolean;
  /** Whether receives stay armed (ClientParams.multishotReceives, where the engine had it). */
  readonly multishotReceives: boolean;
  /** Open a socket for the slot and connect it to the target; completes as OpKind.Connect. */
  connect(slot: number, gen: number): IssueResult;
  /**
   * Receive into the slot's receive area. `nothingSent`: every byte sent on
   * the connection has come back, so nothing can be waiting yet; io_uring
   * then waits for the socket to be readable before its first try, which
   * would fail (a ping-pong client's every receive). With multishot
   * receives the receive stays armed: its completions come with `more` set
   * in the batch until one without it ends the receive (the peer closed, a
   * failure, an abort), and only then is another asked for.
   */
  recv(slot: number, gen: number, nothingSent: boolean): IssueResult;
  /**
   * Whether a send may be quiet: post no completion when every byte went
   * (io_uring: IOSQE_CQE_SKIP_SUCCESS, with MSG_WAITALL so that a short send
   * is marked failed and does complete: with an errno, or with the count it
   * did send, as any partial send). IOCP has no such send.
   */
  readonly quietSends: boolean;
  /**
   * Send `length` bytes of `memory` from `at`: in the slot's send area, or
   * in the shared region (which nothing writes while sends are pending).
   * `quiet` (only with quietSends): no completion unless it fails, so only
   * for a send whose end the caller need not see, one it sends nothing
   * after until its bytes are echoed (the echo says it ended).
   */
  send(slot: number, gen: number, at: number, length: number, quiet: boolean): IssueResult;
  /** Make the slot's outstanding operations, a connect included, finish soon. */
  abort(slot: number): void;
  /** Release the slot's socket; nothing of the slot may be outstanding. */
  close(slot: number): void;
  /** One OpKind.Timer completion after `ms` milliseconds. */
  armTimer(ms: number): void;
  cancelTimer(): void;
  /** Submit what is queued, block until at least one completion, fill `batch`. */
  wait(batch: CompletionBatch): void;
  /** Free the memory and the queue. Only with nothing outstanding. */
  dispose(): void;
}
