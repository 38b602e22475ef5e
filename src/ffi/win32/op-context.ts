/**
 * The IOCP slab: every byte the kernel may touch while an operation is
 * pending, in one VirtualAlloc'd block shared by all workers. A completion's
 * OVERLAPPED address maps back to its context by arithmetic (the seeds'
 * CONTAINING_RECORD), since the OVERLAPPED is the context's first field.
 *
 *   [ connection contexts: slots x CONN_CTX_BYTES ]
 *   [ accept contexts:     pool  x ACCEPT_CTX_BYTES ]
 *   [ buffers:             slots x bufferStride, from a page boundary ]
 *
 * The contexts are committed once; the buffers are only reserved (each slot
 * its ceiling, `--buffer-size`, in whole pages so that no page is shared),
 * and a slot's pages are committed as its receives grow and decommitted when
 * they shrink or the connection idles (iocp-queue.ts).
 *
 * Connection context, one per slot, in two halves of 64 bytes: the receive's
 * at 0 and the send's at 64. An echo has one operation outstanding per
 * connection, but separate OVERLAPPEDs let CancelIoEx name the receive
 * alone (an idle connection's receive is swapped for a zero-byte read), so
 * a send can never be cancelled by mistake. Each half:
 *    0  OVERLAPPED (Internal = NTSTATUS, InternalHigh = bytes, Offset, hEvent)
 *   32  WSABUF { ULONG len; CHAR* buf }
 *   48  DWORD flags (WSARecv's in/out flags)
 *   52  DWORD op kind
 *   56  DWORD generation
 *   60  DWORD bytes, written by WSARecv/WSASend when they complete at once
 *
 * Accept context:
 *    0  OVERLAPPED
 *   64  AcceptEx output: local then remote address, ACCEPT_ADDRESS_BYTES each
 *  352  DWORD bytes received (always 0: receive length 0)
 */
import { OpKind } from "../../engine.ts";

export const OVERLAPPED_BYTES = 32;

/**
 * OVERLAPPED_ENTRY on x64, as GetQueuedCompletionStatusEx fills an array of
 * them: the byte offset of each field, named as in the docs
 * (https://learn.microsoft.com/en-us/windows/win32/api/minwinbase/ns-minwinbase-overlapped_entry).
 * `Internal` is reserved (the OVERLAPPED's own Internal carries the status).
 */
export const OVERLAPPED_ENTRY = {
  /** ULONG_PTR: the key given when the handle was associated, or to PostQueuedCompletionStatus. */
  lpCompletionKey: 0,
  /** LPOVERLAPPED: the operation's context; null for a posted packet. */
  lpOverlapped: 8,
  Internal: 16,
  /** DWORD: bytes transferred, or the value a posted packet carries. */
  dwNumberOfBytesTransferred: 24,
  /** sizeof(OVERLAPPED_ENTRY): the DWORD is padded to the struct's 8-byte alignment. */
  BYTES: 32,
} as const;
export const CONN_CTX_BYTES = 128;
/** Where the send's half of a connection context starts. */
export const CTX_SEND_HALF = 64;
export const CTX_WSABUF = 32;
export const CTX_FLAGS = 48;
export const CTX_KIND = 52;
export const CTX_GEN = 56;
export const CTX_DONE = 60;

/** sizeof(sockaddr_storage) + 16, as AcceptEx requires of each address slot. */
export const ACCEPT_ADDRESS_BYTES = 128 + 16;
export const ACCEPT_CTX_BYTES = 384;
export const ACCEPT_OUTPUT = 64;
export const ACCEPT_RECEIVED = ACCEPT_OUTPUT + 2 * ACCEPT_ADDRESS_BYTES;

export interface SlabLayout {
  slots: number;
  acceptPool: number;
  bufferBytes: number;
}

/** The unit VirtualAlloc commits in. */
export const PAGE_BYTES = 4096;
const wholePages = (bytes: number) => Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;

/** Bytes from one slot's buffer to the next: the ceiling in whole pages. */
export const bufferStride = (l: SlabLayout) => wholePages(l.bufferBytes);
/** Where the buffers start: after the contexts, on a page boundary. Everything before it is committed at start. */
export const buffersAt = (l: SlabLayout) => wholePages(l.slots * CONN_CTX_BYTES + l.acceptPool * ACCEPT_CTX_BYTES);

export function slabBytes(l: SlabLayout): number {
  return buffersAt(l) + l.slots * bufferStride(l);
}

export const connCtxOffset = (slot: number) => slot * CONN_CTX_BYTES;
/** The receive's or the send's half of a slot's connection context. */
export const opCtxOffset = (slot: number, op: number) =>
  slot * CONN_CTX_BYTES + (op === OpKind.Send ? CTX_SEND_HALF : 0);
export const acceptCtxOffset = (l: SlabLayout, index: number) => l.slots * CONN_CTX_BYTES + index * ACCEPT_CTX_BYTES;
export const bufferOffset = (l: SlabLayout, slot: number) => buffersAt(l) + slot * bufferStride(l);

/**
 * An OVERLAPPED address -> its context number: a connection slot
 * (0 .. slots-1; either half), `slots + i` for accept context i, or -1 for an address
 * that starts no context of ours. A number, so a completion allocates nothing.
 */
export function contextAt(l: SlabLayout, base: number, address: number): number {
  const offset = address - base;
  const connEnd = l.slots * CONN_CTX_BYTES;
  if (offset >= 0 && offset < connEnd) {
    const within = offset % CONN_CTX_BYTES;
    return within === 0 || within === CTX_SEND_HALF ? (offset - within) / CONN_CTX_BYTES : -1;
  }
  const inAccept = offset - connEnd;
  if (inAccept >= 0 && inAccept < l.acceptPool * ACCEPT_CTX_BYTES && inAccept % ACCEPT_CTX_BYTES === 0) {
    return l.slots + inAccept / ACCEPT_CTX_BYTES;
  }
  return -1;
}
