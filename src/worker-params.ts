/**
 * What a worker needs to open its queue, one shape per backend (a
 * discriminated union on `backend`, so no backend reads another's fields).
 * Part of the engine contract (src/engine.ts), in a file of its own so that
 * the contract stays readable. Everything here crosses to the worker by
 * structured clone.
 */

/** What every backend's worker needs, whichever backend it is. */
interface CommonWorkerParams {
  slots: number;
  bufferBytes: number;
  /** The datagram socket (a descriptor or a SOCKET) with `--udp`; -1 without. */
  udp: number;
}

/** An io_uring worker opens its own ring and slab; it shares only the listener. */
export interface UringWorkerParams extends CommonWorkerParams {
  backend: "io_uring";
  /** The listening socket's file descriptor. */
  listener: number;
}

/**
 * An IOCP worker maps what the host made: the one completion port, the slab
 * of every operation context and buffer, and the shared bookkeeping. Handles
 * and addresses are numbers (exact below 2^53) so that they cross to the
 * worker by structured clone.
 */
export interface IocpWorkerParams extends CommonWorkerParams {
  backend: "iocp";
  /** The listening SOCKET. */
  listener: number;
  /** The completion port HANDLE every worker dequeues. */
  port: number;
  /** Address of the shared slab (see src/ffi/win32/op-context.ts for its layout). */
  slab: number;
  /** AcceptEx contexts in the slab. */
  acceptPool: number;
  /** AF_INET or AF_INET6 (Windows numbering): accept sockets are made to match the listener. */
  family: number;
  /** AcceptEx's address, fetched once through WSAIoctl. */
  acceptEx: number;
  /** Int32 words: AcceptEx outstanding, listener open, one state per accept context. */
  control: SharedArrayBuffer;
  /** One SOCKET (as a float64) per connection slot. */
  sockets: SharedArrayBuffer;
  /** One SOCKET per accept context, waiting for its client. */
  acceptSockets: SharedArrayBuffer;
  keepaliveMs: number;
  /** Whether accepted sockets may use FILE_SKIP_COMPLETION_PORT_ON_SUCCESS. */
  skipOnSuccess: boolean;
  /** One byte per slot: 1 when that socket is in skip mode (any worker may issue on it). */
  skips: SharedArrayBuffer;
  /** Two bytes per slot: parked (a zero-byte read is pending), then aborted. */
  slotFlags: SharedArrayBuffer;
  /**
   * Two Uint32 columns: each slot's committed buffer bytes, then the length
   * of the receive the loop last asked for (a zero-byte read's completion,
   * on any worker, issues that receive again).
   */
  receive: SharedArrayBuffer;
  /** With --udp: the UDP slab (win32/udp-iocp.ts), its buffer count, its shared words; else 0, 0, null. */
  udpSlab: number;
  udpBuffers: number;
  udpControl: SharedArrayBuffer | null;
}

/** Structured-cloneable data a worker needs to open its queue, one shape per backend. */
export type WorkerParams = UringWorkerParams | IocpWorkerParams;
