/**
 * The engine contract every backend implements (IOCP on Windows, io_uring on
 * Linux, and the fake in tests/). It is the only way the rest of the server
 * reaches the OS's completion machinery.
 *
 * Two halves for the server, and a third kind of queue for the client:
 *
 * - `EngineHost` lives on the main thread. It owns the listening socket and
 *   whatever the workers share (the one completion port on Windows; the
 *   control ring that reaches each worker's ring on Linux). It posts
 *   commands, the exit key among them, to the workers.
 *
 * - `WorkerQueue` lives on one worker thread. It issues operations for
 *   connection slots and blocks in `wait` until completions arrive, which it
 *   reports in a preallocated `CompletionBatch` so that the hot path allocates
 *   nothing. Operations are keyed by `(slot, generation)`: a completion whose
 *   generation no longer matches the slot's belongs to an earlier connection
 *   and is ignored by the loop.
 *
 * - `ClientQueue` lives on one bench worker thread: it opens connections
 *   with the OS's asynchronous connect (ConnectEx, IORING_OP_CONNECT) and
 *   runs them with the same receive and send operations. Each bench worker
 *   opens its own and owns its connections; there is no host half. Its
 *   contract is in src/client-queue.ts.
 *
 * Lifetimes: every byte the kernel may touch (buffers, OVERLAPPEDs,
 * timespecs) lives in one native slab with one owner: each worker's queue on
 * io_uring, and each bench worker's client queue on both; the host on IOCP,
 * whose one slab every worker maps and which the host frees after they have
 * all exited. A slot's buffer is reused only after
 * its last operation has completed; `dispose` may run only when no operation
 * is outstanding (the loop counts them).
 *
 * Results: `res >= 0` is a byte count (recv, send), an accepted-connection
 * token (accept) or a command (control). `res < 0` is a negative Linux errno;
 * the IOCP backend translates its NTSTATUS/WSA codes into the same numbers.
 */
import type { IssueResult } from "./os-error.ts";
import type { UdpQueue } from "./udp-queue.ts";
import type { WorkerParams } from "./worker-params.ts";

export type BackendName = "io_uring" | "iocp";

/** What a completion was for. */
export const OpKind = {
  Accept: 1,
  Recv: 2,
  Send: 3,
  Timer: 4,
  Control: 5,
  Cancel: 6,
  /** A client connection's connect (ClientQueue): res 0 once connected, a negative errno otherwise. */
  Connect: 7,
  /** UDP (udp-queue.ts): a datagram arrived in a buffer; its echo left that buffer. */
  UdpRecv: 8,
  UdpSend: 9,
} as const;
export type OpKind = (typeof OpKind)[keyof typeof OpKind];

/** Commands the main thread posts to workers; `Exit` is the exit key. */
export const Command = {
  /** The exit key: close what is left, wait for outstanding operations, leave. */
  Exit: 1,
  /** Shutdown began: stop receiving datagrams now (UDP has nothing to drain). */
  StopUdp: 2,
} as const;

/** Struct-of-arrays completion records, refilled by every `wait`. */
export class CompletionBatch {
  count = 0;
  readonly op: Uint8Array;
  readonly slot: Uint32Array;
  readonly gen: Uint32Array;
  readonly res: Int32Array;
  /** 1 when a multishot operation stays armed after this completion. */
  readonly more: Uint8Array;

  constructor(readonly capacity: number) {
    this.op = new Uint8Array(capacity);
    this.slot = new Uint32Array(capacity);
    this.gen = new Uint32Array(capacity);
    this.res = new Int32Array(capacity);
    this.more = new Uint8Array(capacity);
  }

  push(op: number, slot: number, gen: number, res: number, more: number): void {
    const i = this.count++;
    this.op[i] = op;
    this.slot[i] = slot;
    this.gen[i] = gen;
    this.res[i] = res;
    this.more[i] = more;
  }
}

export type { IssueResult } from "./os-error.ts";

export interface BoundAddress {
  host: string;
  port: number;
}

export interface WorkerQueue {
  /** The OS id of the thread that opened the queue. */
  readonly threadId: number;
  /** What the host needs to post to this queue (the ring fd on Linux). */
  readonly handle: number;
  /**
   * The ceiling of a slot's receive (`--buffer-size`): each slot's region
   * is reserved at this size, and memory is committed only as far as the
   * receives the loop asks for (see recv).
   */
  readonly bufferBytes: number;
  /** Arm accepting on the shared listener; results arrive as OpKind.Accept. */
  startAccepting(): IssueResult;
  /** Withdraw this worker's pending accept; its completion still arrives. */
  stopAccepting(): void;
  /**
   * Whether an accept this worker must wait for before it exits is still
   * outstanding: its own ring's accept on Linux; any AcceptEx on the shared
   * port on Windows.
   */
  readonly acceptPending: boolean;
  /**
   * Hand on a command this worker has already acted on. On a shared port a
   * worker can dequeue a second worker's exit key; it must re-post it, not
   * swallow it. Per-worker rings never deliver another worker's key.
   */
  passOn(command: number): void;
  /**
   * Give an accepted connection (an Accept result) a slot and generation.
   * When the OS refuses to set the socket up (IOCP: associating it with the
   * port, SO_UPDATE_ACCEPT_CONTEXT), the slot's first operation fails at
   * once with that error, so the loop closes the connection and counts an
   * error through its ordinary path: nothing is left hanging.
   */
  adopt(token: number, slot: number, gen: number): void;
  /** Close an accepted connection that gets no slot (over the limit). */
  refuse(token: number): void;
  /**
   * Receive at most `length` bytes (1 .. bufferBytes) into the slot's
   * buffer. The slot's memory follows `length`: pages up to it are committed
   * (Windows) or may be touched (Linux), pages past it are handed back. No
   * other operation of the slot is outstanding, so its buffer holds nothing
   * still needed.
   */
  recv(slot: number, gen: number, length: number): IssueResult;
  /** Send `length` bytes of the slot's buffer starting at `offset`. */
  send(slot: number, gen: number, offset: number, length: number): IssueResult;
  /** Make the slot's outstanding operation finish soon (idle, drain). */
  abort(slot: number): void;
  /**
   * The slot has been silent a while and a receive is what is pending: stop
   * its buffer holding memory. IOCP swaps the receive for a zero-byte read
   * (the kernel locks the pages of a pending WSARecv's buffer) and issues
   * the real one when data is there; io_uring, whose pending receive pins
   * nothing, returns the buffer's pages to the OS. Invisible to the loop:
   * the receive still completes once.
   */
  releaseIdle(slot: number): void;
  /** Release the slot's socket. No operation of the slot may be outstanding. */
  close(slot: number): void;
  /** One OpKind.Timer completion after `ms` milliseconds. */
  armTimer(ms: number): void;
  /** Make an armed timer complete now (with an error result). */
  cancelTimer(): void;
  /** Submit what is queued, block until at least one completion, fill `batch`. */
  wait(batch: CompletionBatch): void;
  /**
   * Calls into the OS's completion wait so far (io_uring_enter,
   * GetQueuedCompletionStatusEx): the loop's native cost beside the one call
   * per operation issued.
   */
  readonly kernelWaits: number;
  /** Completions reported without a trip through the kernel's queue (IOCP skip-on-success). */
  readonly inlineCompletions: number;
  /**
   * Idle connections' receive buffers released (see releaseIdle): swapped
   * for zero-byte reads on IOCP, pages returned to the OS on io_uring.
   */
  readonly idleReleases: number;
  /**
   * Receive memory: `bytes` this worker committed minus those it handed back
   * (a worker may hand back what another committed on a shared slab, so only
   * the sum over workers is the total): committed memory on Windows, on Linux
   * the bytes the pending receives may touch; `calls` made to move it
   * (VirtualAlloc/VirtualFree, madvise).
   */
  readonly receiveMemory: { readonly bytes: number; readonly calls: number };
  /** The UDP half (see UdpQueue), with `--udp`; null without. */
  readonly udp: UdpQueue | null;
  /** Free the slab and the queue. Only with nothing outstanding. */
  dispose(): void;
}

export interface EngineHost {
  readonly backend: BackendName;
  /**
   * True when any worker may take any completion (one shared IOCP port):
   * the connection table and slot pool are then shared by all workers.
   */
  readonly sharesConnections: boolean;
  /**
   * Bind and listen; throws an OsError naming the address on failure.
   * Accepted connections get TCP keepalive with `keepaliveMs` (0: none).
   */
  listen(host: string, port: number, backlog: number, keepaliveMs: number): BoundAddress;
  /** With --udp: bind UDP on the listener's host and port (IOCP sizes buffers for `workers`); closed by dispose. */
  listenUdp(host: string, port: number, workers: number): void;
  /** Structured-cloneable data a worker needs to open its queue. */
  workerParams(slots: number, bufferBytes: number): WorkerParams;
  /** Record what a worker reported once its queue was open. */
  attach(index: number, handle: number): void;
  /** Post a Command to one worker (the exit key is Command.Exit). */
  post(index: number, command: number): void;
  /** Refuse new connections at once; accepts in flight complete with errors. */
  stopAccepting(): void;
  /** Close the listener and shared handles (after every worker has exited). */
  dispose(): void;
  /**
   * Raise the soft open-file limit to the hard one (each connection is a
   * descriptor on Linux) and say what it was and is; null where the OS has
   * no such limit.
   */
  raiseOpenFileLimit(): { before: number; after: number } | null;
  /**
   * This process's open sockets and io_uring instances, where the OS shows
   * them (Linux's /proc/self/fd); null where it does not (Windows). Counted
   * at start and at exit to find leaked descriptors.
   */
  countOwnDescriptors(): number | null;
}

/**
 * TCP keepalive for `--keepalive MS`: a connection silent for `idleMs` is
 * probed every `intervalMs`; after `probes` unanswered probes the kernel
 * resets it, and its pending recv completes with an error. Both OSes get
 * the same figures (Windows fixes the count at 10 itself). This is what
 * finds a peer that vanished without a FIN: its host reboots, its cable is
 * pulled, it closed in a way that sent nothing.
 */
export function keepaliveTiming(keepaliveMs: number): { idleMs: number; intervalMs: number; probes: number } {
  const idleMs = Math.ceil(keepaliveMs / 1000) * 1000; // Linux counts whole seconds
  const intervalMs = Math.min(10_000, Math.max(1000, Math.round(idleMs / 10_000) * 1000));
  return { idleMs, intervalMs, probes: 10 };
}
