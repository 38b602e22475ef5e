/**
 * io_uring through raw syscalls: the ABI numbers and one `Ring` type whose
 * methods each do one thing (prepare an SQE, submit and wait, read CQEs).
 * Layouts follow include/uapi/linux/io_uring.h; tests/unit/io-uring-abi
 * compares the numbers with the installed header when there is one.
 */
import { OsError } from "../../os-error.ts";
import {
  allocateNative,
  libc,
  lastErrno,
  syscall,
  mapMemory,
  MAP_POPULATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  unmapMemory,
  type NativeMemory,
} from "./libc.ts";

const SYS =
  process.arch === "arm64"
    ? { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, gettid: 178 }
    : { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427, gettid: 186 };

export const IORING_OP = {
  NOP: 0,
  TIMEOUT: 11,
  ACCEPT: 13,
  ASYNC_CANCEL: 14,
  CLOSE: 19,
  SEND: 26,
  RECV: 27,
  SHUTDOWN: 34,
  MSG_RING: 40,
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
export const IORING_FEAT_NODROP = 1 << 1;
export const IORING_CQE_F_MORE = 1 << 1;
export const IORING_ACCEPT_MULTISHOT = 1 << 0;
export const IORING_ASYNC_CANCEL_ALL = 1 << 0;
export const IORING_REGISTER_PROBE = 8;
const IO_URING_OP_SUPPORTED = 1;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_SQES = 0x10000000;

const SQE_BYTES = 64;
const CQE_BYTES = 16;
const PARAMS_BYTES = 120;
const PROBE_OPS = 256;
const PROBE_BYTES = 16 + PROBE_OPS * 8;
const TWO_POW_32 = 4294967296;

/** Byte offsets inside `struct io_uring_params`. */
const P = { sqEntries: 0, cqEntries: 4, flags: 8, features: 20, sqOff: 40, cqOff: 80 } as const;

/** The calling thread's kernel thread id (what `ps -L` and /threads show). */
export function gettid(): number {
  return syscall(SYS.gettid);
}

export interface RingOptions {
  entries: number;
  cqEntries?: number;
  flags: number;
}

/**
 * One io_uring instance: its SQ/CQ rings and SQE array mapped into this
 * process. Not thread-safe; with SINGLE_ISSUER only the creating thread may
 * submit.
 */
export class Ring {
  readonly fd: number;
  readonly flags: number;
  readonly features: number;
  private readonly ring: NativeMemory;
  private readonly sqes: NativeMemory;
  private readonly ringU32: Uint32Array;
  private readonly cqeI32: Int32Array;
  private readonly sqe8: Uint8Array;
  private readonly sqe16: Uint16Array;
  private readonly sqe32: Uint32Array;
  private readonly sqTail: number;
  private readonly sqMask: number;
  private readonly sqEntries: number;
  private readonly cqHead: number;
  private readonly cqTail: number;
  private readonly cqMask: number;
  private readonly cqesWord: number;
  /**
   * Our private copy of the SQ tail, published before each enter. Without
   * SQPOLL the kernel takes SQEs only inside io_uring_enter, whose return
   * value says how many, so `submitted` stands in for the SQ head.
   */
  private tail = 0;
  private submitted = 0;
  /** io_uring_enter calls so far. */
  enters = 0;

  private constructor(fd: number, params: DataView, flags: number) {
    this.fd = fd;
    this.flags = flags;
    this.features = params.getUint32(P.features, true);
    const sqEntries = params.getUint32(P.sqEntries, true);
    const cqEntries = params.getUint32(P.cqEntries, true);
    const sq = (field: number) => params.getUint32(P.sqOff + field * 4, true);
    const cq = (field: number) => params.getUint32(P.cqOff + field * 4, true);
    // sq_off: head, tail, ring_mask, ring_entries, flags, dropped, array
    // cq_off: head, tail, ring_mask, ring_entries, overflow, cqes, flags
    const ringBytes = Math.max(sq(6) + sqEntries * 4, cq(5) + cqEntries * CQE_BYTES);
    const shared = PROT_READ | PROT_WRITE;
    // LIFETIME: both mappings are shared with the kernel until close().
    this.ring = mapMemory(ringBytes, shared, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    this.sqes = mapMemory(sqEntries * SQE_BYTES, shared, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    this.ringU32 = new Uint32Array(this.ring.bytes);
    this.cqeI32 = new Int32Array(this.ring.bytes);
    this.sqe8 = new Uint8Array(this.sqes.bytes);
    this.sqe16 = new Uint16Array(this.sqes.bytes);
    this.sqe32 = new Uint32Array(this.sqes.bytes);
    this.sqTail = sq(1) / 4;
    this.sqMask = this.ringU32[sq(2) / 4]!;
    this.sqEntries = sqEntries;
    this.cqHead = cq(0) / 4;
    this.cqTail = cq(1) / 4;
    this.cqMask = this.ringU32[cq(2) / 4]!;
    this.cqesWord = cq(5) / 4;
    // The SQ index array maps ring positions to SQE slots; identity, once.
    const array = sq(6) / 4;
    for (let i = 0; i < sqEntries; i++) this.ringU32[array + i] = i;
    this.tail = this.ringU32[this.sqTail]!;
  }

  /**
   * io_uring_setup(2), trying each flag set in turn: newer kernels accept
   * SINGLE_ISSUER / DEFER_TASKRUN, older ones reject them with EINVAL.
   */
  static open(entries: number, flagSets: readonly number[], cqEntries = 0): Ring {
    const scratch = allocateNative(PARAMS_BYTES);
    try {
      const view = new DataView(scratch.bytes);
      let lastError = 0;
      for (const flags of flagSets) {
        new Uint8Array(scratch.bytes).fill(0);
        const wanted = cqEntries > 0 ? flags | IORING_SETUP.CQSIZE | IORING_SETUP.CLAMP : flags;
        view.setUint32(P.flags, wanted, true);
        view.setUint32(P.cqEntries, cqEntries, true);
        const fd = syscall(SYS.io_uring_setup, entries, scratch.address);
        if (fd >= 0) {
          if ((view.getUint32(P.features, true) & IORING_FEAT_SINGLE_MMAP) === 0) {
            libc.close(fd);
            throw new OsError("io_uring_setup", "ENOSYS", 38, "kernel lacks IORING_FEAT_SINGLE_MMAP (needs 5.4+)");
          }
          return new Ring(fd, view, wanted);
        }
        lastError = lastErrno();
        if (lastError !== 22) break; // only EINVAL means "try fewer flags"
      }
      throw OsError.fromErrno("io_uring_setup", lastError, ioUringHint(lastError));
    } finally {
      unmapMemory(scratch);
    }
  }

  /** Which opcodes this kernel supports (IORING_REGISTER_PROBE). */
  supportedOps(): Set<number> {
    const probe = allocateNative(PROBE_BYTES);
    try {
      const r = syscall(SYS.io_uring_register, this.fd, IORING_REGISTER_PROBE, probe.address, PROBE_OPS);
      if (r < 0) throw OsError.fromErrno("io_uring_register(PROBE)", lastErrno());
      const bytes = new Uint8Array(probe.bytes);
      const supported = new Set<number>();
      for (let i = 0; i < bytes[1]!; i++) {
        const at = 16 + i * 8;
        if ((bytes[at + 2]! & IO_URING_OP_SUPPORTED) !== 0) supported.add(bytes[at]!);
      }
      return supported;
    } finally {
      unmapMemory(probe);
    }
  }

  /**
   * Fill the next SQE. Every field is written, so no stale bytes from an
   * earlier request survive. `address` is a native address (never a pointer
   * into a JS typed array); `userLo`/`userHi` are the two halves of user_data.
   */
  prep(
    opcode: number,
    fd: number,
    address: number,
    length: number,
    offset: number,
    opFlags: number,
    userLo: number,
    userHi: number,
    ioprio = 0,
    sqeFlags = 0,
  ): void {
    if (this.tail - this.submitted >= this.sqEntries) this.submit(0);
    const index = this.tail & this.sqMask;
    const w = index * (SQE_BYTES / 4);
    const b = index * SQE_BYTES;
    this.sqe8[b] = opcode;
    this.sqe8[b + 1] = sqeFlags;
    this.sqe16[(b >> 1) + 1] = ioprio;
    this.sqe32[w + 1] = fd;
    this.sqe32[w + 2] = offset >>> 0;
    this.sqe32[w + 3] = Math.floor(offset / TWO_POW_32);
    this.sqe32[w + 4] = address >>> 0;
    this.sqe32[w + 5] = Math.floor(address / TWO_POW_32);
    this.sqe32[w + 6] = length;
    this.sqe32[w + 7] = opFlags;
    this.sqe32[w + 8] = userLo;
    this.sqe32[w + 9] = userHi;
    for (let i = 10; i < 16; i++) this.sqe32[w + i] = 0;
    this.tail = (this.tail + 1) >>> 0;
  }

  /** SQEs prepared but not yet handed to the kernel. */
  get unsubmitted(): number {
    return (this.tail - this.submitted) >>> 0;
  }

  /**
   * io_uring_enter(2): submit what is prepared and wait for at least
   * `waitFor` completions. Returns false when interrupted (EINTR), so the
   * caller simply loops; other failures throw.
   */
  submit(waitFor: number): boolean {
    this.enters++;
    // Release: SQE contents must be visible before the kernel sees the tail.
    Atomics.store(this.ringU32, this.sqTail, this.tail);
    const toSubmit = this.unsubmitted;
    const flags = waitFor > 0 || (this.flags & IORING_SETUP.DEFER_TASKRUN) !== 0 ? IORING_ENTER_GETEVENTS : 0;
    const r = syscall(SYS.io_uring_enter, this.fd, toSubmit, waitFor, flags);
    if (r >= 0) {
      this.submitted = (this.submitted + r) >>> 0;
      return true;
    }
    const errno = lastErrno();
    if (errno === 4) return false; // EINTR
    if (errno === 11 || errno === 16) return false; // EAGAIN/EBUSY: reap CQEs, try again
    throw OsError.fromErrno("io_uring_enter", errno);
  }

  /** Completions waiting in the CQ. */
  get ready(): number {
    // Acquire: the kernel writes CQEs before it moves the tail.
    return (Atomics.load(this.ringU32, this.cqTail) - this.ringU32[this.cqHead]!) >>> 0;
  }

  /** Word index of the i-th waiting CQE: [user lo, user hi, res, flags]. */
  cqeWord(i: number): number {
    const head = this.ringU32[this.cqHead]!;
    return this.cqesWord + ((head + i) & this.cqMask) * (CQE_BYTES / 4);
  }

  cqeUserLo(word: number): number {
    return this.ringU32[word]!;
  }
  cqeUserHi(word: number): number {
    return this.ringU32[word + 1]!;
  }
  cqeRes(word: number): number {
    return this.cqeI32[word + 2]!;
  }
  cqeFlags(word: number): number {
    return this.ringU32[word + 3]!;
  }

  /** Hand `n` CQ entries back to the kernel. */
  consume(n: number): void {
    // Release: we are done reading those CQEs before the kernel may reuse them.
    Atomics.store(this.ringU32, this.cqHead, (this.ringU32[this.cqHead]! + n) >>> 0);
  }

  close(): void {
    unmapMemory(this.sqes);
    unmapMemory(this.ring);
    libc.close(this.fd);
  }
}

function ioUringHint(errno: number): string {
  if (errno === 1 || errno === 13) {
    return "io_uring is disabled here (kernel.io_uring_disabled sysctl or a seccomp profile, common in containers)";
  }
  if (errno === 38) return "this kernel has no io_uring (needs Linux 5.19 or newer)";
  if (errno === 12) return "not enough locked memory for the rings (raise RLIMIT_MEMLOCK)";
  return "";
}
