/**
 * io_uring's ABI numbers and layouts, from include/uapi/linux/io_uring.h
 * (https://github.com/torvalds/linux/blob/master/include/uapi/linux/io_uring.h).
 * Pure: tests/unit/io-uring-abi compares them with the installed header when
 * there is one, and the prep functions' tests check SQE bytes against them.
 */

export const SYS =
  process.arch === "arm64"
    ? { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, gettid: 178 }
    : { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, gettid: 186 };

/** Opcodes the server and the bench client issue. */
export const IORING_OP = {
  NOP: 0,
  SENDMSG: 9,
  RECVMSG: 10,
  TIMEOUT: 11,
  ACCEPT: 13,
  ASYNC_CANCEL: 14,
  CONNECT: 16,
  SEND: 26,
  RECV: 27,
  MSG_RING: 40,
  /** Linux 5.19; unused, but its presence says the kernel has 5.19's IORING_RECVSEND_POLL_FIRST too. */
  SOCKET: 45,
  /** Linux 6.0; unused, but its presence says the kernel has 6.0's multishot recv too. */
  SEND_ZC: 47,
} as const;

export const IORING_SETUP = {
  CQSIZE: 1 << 3,
  CLAMP: 1 << 4,
  SUBMIT_ALL: 1 << 7,
  COOP_TASKRUN: 1 << 8,
  SINGLE_ISSUER: 1 << 12,
  DEFER_TASKRUN: 1 << 13,
} as const;

export const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
export const IORING_ENTER_GETEVENTS = 1 << 0;
export const IORING_FEAT_SINGLE_MMAP = 1 << 0;
export const IORING_CQE_F_MORE = 1 << 1;
export const IORING_ACCEPT_MULTISHOT = 1 << 0;
/**
 * ioprio flag of SEND/RECV (Linux 5.19): wait for the socket to be ready
 * before trying, for a receive posted when nothing can have arrived yet,
 * which would otherwise first try and fail.
 */
export const IORING_RECVSEND_POLL_FIRST = 1 << 0;
export const IORING_ASYNC_CANCEL_ALL = 1 << 0;
export const IORING_REGISTER_PROBE = 8;
/** Register a provided-buffer ring (Linux 5.19); its argument is `struct io_uring_buf_reg`. */
export const IORING_REGISTER_PBUF_RING = 22;
export const IO_URING_BUF_REG_BYTES = 40;
/** `struct io_uring_buf`: u64 addr, u32 len, u16 bid, u16 resv (entry 0's resv is the ring's tail). */
export const IO_URING_BUF_BYTES = 16;
/** The kernel picks the buffer from the group in sqe.buf_group. */
export const IOSQE_BUFFER_SELECT = 1 << 5;
/** ioprio flag of RECV/RECVMSG: stay armed, one CQE per message (multishot recvmsg: Linux 6.0). */
export const IORING_RECV_MULTISHOT = 1 << 1;
/** cqe.flags: a provided buffer was used; its id is flags >> IORING_CQE_BUFFER_SHIFT. */
export const IORING_CQE_F_BUFFER = 1 << 0;
export const IORING_CQE_BUFFER_SHIFT = 16;
/** `struct io_uring_recvmsg_out`: u32 namelen, controllen, payloadlen, flags; then name, control, payload. */
export const IO_URING_RECVMSG_OUT_BYTES = 16;
/** recvmsg(2) flag and msg_flags bit: the datagram was longer than the buffer. */
export const MSG_TRUNC = 0x20;
export const IO_URING_OP_SUPPORTED = 1;
export const IORING_OFF_SQ_RING = 0;
export const IORING_OFF_SQES = 0x10000000;

/** socket(2)/accept4(2) flag: the descriptor is not inherited by exec'd children. */
export const SOCK_CLOEXEC = 0o2000000;
/** send(2) flag: a peer gone away is EPIPE, not SIGPIPE. */
export const MSG_NOSIGNAL = 0x4000;
/**
 * send(2) flag; io_uring honours it on stream sockets (Linux 5.18): a short
 * send is retried until every byte is sent, and one that cannot be is a
 * failure, so IOSQE_CQE_SKIP_SUCCESS still reports it.
 */
export const MSG_WAITALL = 0x100;

/**
 * `struct io_uring_sqe`, as 32-bit word indexes (the prep functions write
 * whole words; opcode, flags and ioprio share word 0).
 */
export const SQE_WORD = {
  /** u8 opcode | u8 flags << 8 | u16 ioprio << 16 */
  opcodeFlagsIoprio: 0,
  fd: 1,
  /** u64 off (or addr2): low, high */
  off: 2,
  /** u64 addr: low, high */
  addr: 4,
  len: 6,
  /** the union of rw_flags, msg_flags, accept_flags, timeout_flags, cancel_flags, msg_ring_flags */
  opFlags: 7,
  /** u64 user_data: low, high */
  userData: 8,
  /** u16 buf_index / buf_group | u16 personality << 16 */
  bufGroup: 10,
  WORDS: 16,
} as const;
export const SQE_BYTES = SQE_WORD.WORDS * 4;
/** `struct io_uring_cqe` words: user_data low, user_data high, res, flags. */
export const CQE_BYTES = 16;
export const PARAMS_BYTES = 120;
/** Byte offsets inside `struct io_uring_params`. */
export const PARAMS = { sqEntries: 0, cqEntries: 4, flags: 8, features: 20, sqOff: 40, cqOff: 80 } as const;
