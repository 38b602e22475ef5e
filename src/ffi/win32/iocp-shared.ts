/**
 * What the IOCP host and its workers share: completion keys and the words of
 * the shared control block. What each worker is handed at start is
 * IocpWorkerParams in src/engine.ts.
 *
 * Rules a shared port imposes (any worker may take any completion):
 * - After WSARecv/WSASend/AcceptEx is issued, its context belongs to the
 *   kernel and then to whichever worker dequeues the completion, which may
 *   happen before the issuing call has returned. Only a synchronous failure
 *   (no completion will be queued) hands the context straight back.
 * - A context is reused only after its completion, cancelled ones included,
 *   has been dequeued.
 * - Exit keys: one PostQueuedCompletionStatus per worker; a worker that
 *   dequeues a second one re-posts it (passOn), so no worker is left waiting.
 */

/** Completion keys. Connections and the listener share a key: the OVERLAPPED says which op. */
export const SOCKET_KEY = 1;
export const CONTROL_KEY = 3;
/** AcceptEx calls kept posted (libuv keeps 32). */
export const ACCEPT_POOL = 32;
/** Shared Int32 words: AcceptEx outstanding, listener open, then one state per accept context. */
export const OUTSTANDING = 0;
export const LISTENING = 1;
export const ACCEPT_STATE = 2;
export const ACCEPT_IDLE = 0;
export const ACCEPT_BUSY = 1;
export const CONTROL_BYTES = (ACCEPT_STATE + ACCEPT_POOL) * 4;
