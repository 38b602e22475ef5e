/**
 * What a worker writes into an SQE and reads back from its CQE: the
 * user_data layout, and one prep function per io_uring operation, named for
 * it as liburing names its io_uring_prep_*
 * (https://github.com/axboe/liburing/blob/master/src/include/liburing.h).
 * Each prep function takes a fresh, zeroed SQE from the ring and writes only
 * the fields its operation reads. Addresses are native (slab) addresses,
 * never pointers into a JS typed array. Pure: tests check the bytes with an
 * array standing in for the ring.
 *
 * user_data: which operation of which connection a CQE belongs to, recovered
 * by arithmetic (liburing's encode_userdata idea).
 *
 *   bit 63 ............ 32 | 31 ............ 8 | 7 ...... 0
 *        generation (u32)  |     slot (u24)    |  op kind
 *
 * The two 32-bit halves are written to and read from the SQE/CQE as separate
 * words (`userLo`, `userHi` below), so no BigInt is made per operation. Slot
 * 0 with generation 0 is used by the per-worker operations (accept, timer,
 * control).
 */
import { high32, TWO_POW_32 } from "../u64.ts";
import {
  IORING_ACCEPT_MULTISHOT,
  IORING_OP,
  IORING_RECV_MULTISHOT,
  IORING_RECVSEND_POLL_FIRST,
  IOSQE_BUFFER_SELECT,
  SQE_WORD,
} from "./io-uring-abi.ts";

export const MAX_SLOTS = 1 << 24;

export function userLo(slot: number, op: number): number {
  return ((slot << 8) | op) >>> 0;
}

export function opOf(lo: number): number {
  return lo & 0xff;
}

export function slotOf(lo: number): number {
  return lo >>> 8;
}

/** The whole 64-bit user_data as the kernel sees it (tests check the layout with it). */
export function userData64(slot: number, op: number, gen: number): bigint {
  return (BigInt(gen >>> 0) << 32n) | BigInt(userLo(slot, op));
}

/** What a prep function writes into: the SQE words and a fresh, zeroed SQE (Ring, or a test's array). */
export interface SqeSink {
  readonly sqeWords: Uint32Array;
  nextSqe(): number;
}

/**
 * Zeroes the 64-byte SQE whose first word is `w`, through a Float64Array
 * view of the same memory (`doubles`): eight stores of +0.0, all-zero bits,
 * that the JIT compiles inline. `fill` on the words was a call into the
 * runtime, about 25 ns for each SQE (two per echo, both in the server and
 * in the bench client), and a loop over the sixteen words about 20 ns.
 */
export function zeroSqe(doubles: Float64Array, w: number): void {
  const d = w >> 1;
  doubles[d] = 0;
  doubles[d + 1] = 0;
  doubles[d + 2] = 0;
  doubles[d + 3] = 0;
  doubles[d + 4] = 0;
  doubles[d + 5] = 0;
  doubles[d + 6] = 0;
  doubles[d + 7] = 0;
}

/** io_uring_prep_rw: the fields most operations share; returns the SQE's first word. */
function prepRw(ring: SqeSink, op: number, fd: number, address: number, length: number, offset: number): number {
  const w = ring.nextSqe();
  const s = ring.sqeWords;
  s[w + SQE_WORD.opcodeFlagsIoprio] = op;
  s[w + SQE_WORD.fd] = fd;
  s[w + SQE_WORD.off] = offset >>> 0;
  s[w + SQE_WORD.off + 1] = high32(offset);
  s[w + SQE_WORD.addr] = address >>> 0;
  s[w + SQE_WORD.addr + 1] = high32(address);
  s[w + SQE_WORD.len] = length;
  return w;
}

function setUserData(ring: SqeSink, w: number, userLo: number, userHi: number): void {
  ring.sqeWords[w + SQE_WORD.userData] = userLo;
  ring.sqeWords[w + SQE_WORD.userData + 1] = userHi;
}

/** IOSQE_* flags (byte 1 of the SQE) on a prepared SQE. */
export function setSqeFlags(ring: SqeSink, w: number, flags: number): void {
  ring.sqeWords[w + SQE_WORD.opcodeFlagsIoprio]! |= (flags & 0xff) << 8;
}

export function prepNop(ring: SqeSink, userLo: number, userHi: number): number {
  const w = prepRw(ring, IORING_OP.NOP, -1, 0, 0, 0);
  setUserData(ring, w, userLo, userHi);
  return w;
}

/** recv(2) into `length` bytes at `address`; with `pollFirst`, only once the socket is readable (IORING_RECVSEND_POLL_FIRST). */
export function prepRecv(
  ring: SqeSink,
  fd: number,
  address: number,
  length: number,
  userLo: number,
  userHi: number,
  pollFirst = false,
): number {
  const w = prepRw(ring, IORING_OP.RECV, fd, address, length, 0);
  if (pollFirst) ring.sqeWords[w + SQE_WORD.opcodeFlagsIoprio]! |= IORING_RECVSEND_POLL_FIRST << 16; // ioprio
  setUserData(ring, w, userLo, userHi);
  return w;
}

/**
 * recv(2) that stays armed (IORING_RECV_MULTISHOT, Linux 6.0): each time
 * bytes arrive they go into a buffer the kernel takes from provided-buffer
 * group `group`, one CQE each with IORING_CQE_F_MORE while it stays armed
 * (io_uring_prep_recv_multishot with IOSQE_BUFFER_SELECT).
 */
export function prepRecvMultishot(ring: SqeSink, fd: number, group: number, userLo: number, userHi: number): number {
  const w = prepRw(ring, IORING_OP.RECV, fd, 0, 0, 0);
  ring.sqeWords[w + SQE_WORD.opcodeFlagsIoprio]! |= (IOSQE_BUFFER_SELECT << 8) | (IORING_RECV_MULTISHOT << 16);
  ring.sqeWords[w + SQE_WORD.bufGroup] = group & 0xffff;
  setUserData(ring, w, userLo, userHi);
  return w;
}

/** send(2) of `length` bytes at `address` with MSG_* `msgFlags`. */
export function prepSend(
  ring: SqeSink,
  fd: number,
  address: number,
  length: number,
  msgFlags: number,
  userLo: number,
  userHi: number,
): number {
  const w = prepRw(ring, IORING_OP.SEND, fd, address, length, 0);
  ring.sqeWords[w + SQE_WORD.opFlags] = msgFlags;
  setUserData(ring, w, userLo, userHi);
  return w;
}

/** accept4(2) on `listenFd` with SOCK_* `flags`; the new descriptor arrives in cqe.res. */
export function prepAccept(ring: SqeSink, listenFd: number, flags: number, userLo: number, userHi: number): number {
  const w = prepRw(ring, IORING_OP.ACCEPT, listenFd, 0, 0, 0);
  ring.sqeWords[w + SQE_WORD.opFlags] = flags;
  setUserData(ring, w, userLo, userHi);
  return w;
}

/** prepAccept that stays armed (IORING_CQE_F_MORE on each CQE while it does); Linux 5.19. */
export function prepMultishotAccept(ring: SqeSink, listenFd: number, flags: number, userLo: number, userHi: number) {
  const w = prepAccept(ring, listenFd, flags, userLo, userHi);
  ring.sqeWords[w + SQE_WORD.opcodeFlagsIoprio]! |= IORING_ACCEPT_MULTISHOT << 16; // ioprio
  return w;
}

/**
 * MSG_RING: the ring `targetFd` gets a CQE with res = `res` and user_data =
 * `targetUserLo` (high half 0), the io_uring twin of PostQueuedCompletionStatus.
 */
export function prepMsgRing(
  ring: SqeSink,
  targetFd: number,
  res: number,
  targetUserLo: number,
  userLo: number,
  userHi: number,
): number {
  const w = prepRw(ring, IORING_OP.MSG_RING, targetFd, 0, res, targetUserLo);
  setUserData(ring, w, userLo, userHi);
  return w;
}

/** connect(2) of `fd` to the sockaddr of `sockaddrLength` bytes at `sockaddrAddress` (Linux 5.5); res 0 once connected. */
export function prepConnect(
  ring: SqeSink,
  fd: number,
  sockaddrAddress: number,
  sockaddrLength: number,
  userLo: number,
  userHi: number,
): number {
  // The kernel reads the address length from the SQE's off field.
  const w = prepRw(ring, IORING_OP.CONNECT, fd, sockaddrAddress, 0, sockaddrLength);
  setUserData(ring, w, userLo, userHi);
  return w;
}

/**
 * The __kernel_timespec prepTimeout points at: `ms` milliseconds, rounded
 * to a whole one (at least 1), at byte `at` of `view`.
 */
export function writeTimespec(view: DataView, at: number, ms: number): void {
  const whole = Math.max(1, Math.round(ms));
  view.setBigInt64(at, BigInt(Math.floor(whole / 1000)), true);
  view.setBigInt64(at + 8, BigInt((whole % 1000) * 1_000_000), true);
}

/** One CQE (-ETIME) after the __kernel_timespec at `timespecAddress`; the kernel copies it on submit. */
export function prepTimeout(ring: SqeSink, timespecAddress: number, userLo: number, userHi: number): number {
  const w = prepRw(ring, IORING_OP.TIMEOUT, -1, timespecAddress, 1, 0);
  setUserData(ring, w, userLo, userHi);
  return w;
}

/**
 * ASYNC_CANCEL of the operation(s) whose user_data is `targetUserLo` and
 * `targetUserHi` (a connection's generation; 0 for the per-worker
 * operations), IORING_ASYNC_CANCEL_* `flags`.
 */
export function prepCancel(
  ring: SqeSink,
  targetUserLo: number,
  flags: number,
  userLo: number,
  userHi: number,
  targetUserHi = 0,
): number {
  const w = prepRw(ring, IORING_OP.ASYNC_CANCEL, -1, targetUserLo + targetUserHi * TWO_POW_32, 0, 0);
  ring.sqeWords[w + SQE_WORD.opFlags] = flags;
  setUserData(ring, w, userLo, userHi);
  return w;
}

/**
 * recvmsg(2) that stays armed, each datagram into a buffer the kernel takes
 * from provided-buffer group `group` (io_uring_prep_recvmsg_multishot with
 * IOSQE_BUFFER_SELECT); Linux 6.0. The msghdr at `msghdrAddress` only sizes
 * the name and control areas of each buffer's io_uring_recvmsg_out layout.
 */
export function prepRecvmsgMultishot(
  ring: SqeSink,
  fd: number,
  msghdrAddress: number,
  msgFlags: number,
  group: number,
  userLo: number,
  userHi: number,
): number {
  const w = prepRw(ring, IORING_OP.RECVMSG, fd, msghdrAddress, 1, 0);
  ring.sqeWords[w + SQE_WORD.opcodeFlagsIoprio]! |= (IOSQE_BUFFER_SELECT << 8) | (IORING_RECV_MULTISHOT << 16);
  ring.sqeWords[w + SQE_WORD.opFlags] = msgFlags;
  ring.sqeWords[w + SQE_WORD.bufGroup] = group & 0xffff;
  setUserData(ring, w, userLo, userHi);
  return w;
}

/** sendmsg(2) of the msghdr at `msghdrAddress` (name, iovec) with MSG_* `msgFlags`. */
export function prepSendmsg(
  ring: SqeSink,
  fd: number,
  msghdrAddress: number,
  msgFlags: number,
  userLo: number,
  userHi: number,
): number {
  const w = prepRw(ring, IORING_OP.SENDMSG, fd, msghdrAddress, 1, 0);
  ring.sqeWords[w + SQE_WORD.opFlags] = msgFlags;
  setUserData(ring, w, userLo, userHi);
  return w;
}
