/**
 * io_uring through raw syscalls: one `Ring` type whose methods each do one
 * thing (hand out an SQE, submit and wait, read CQEs), and one prep function
 * per operation, named for it as liburing names its io_uring_prep_*. The ABI
 * numbers and layouts are in io-uring-abi.ts.
 */
import { ERRNO, OsError } from "../../os-error.ts";
import {
  CQE_BYTES,
  IO_URING_OP_SUPPORTED,
  IORING_ENTER_GETEVENTS,
  IORING_FEAT_SINGLE_MMAP,
  IORING_OFF_SQ_RING,
  IORING_OFF_SQES,
  IORING_REGISTER_PBUF_RING,
  IORING_REGISTER_PROBE,
  IORING_SETUP,
  PARAMS,
  PARAMS_BYTES,
  SQE_BYTES,
  SQE_WORD,
  SYS,
} from "./io-uring-abi.ts";
import { type SqeSink, zeroSqe } from "./sqe.ts";
import {
  allocateNative,
  lastErrno,
  libc,
  MAP_POPULATE,
  MAP_SHARED,
  mapMemory,
  type NativeMemory,
  PROT_READ,
  PROT_WRITE,
  syscall,
  unmapMemory,
} from "./libc.ts";

const PROBE_OPS = 256;
const PROBE_BYTES = 16 + PROBE_OPS * 8;

/** The calling thread's kernel thread id (what `ps -L` and /threads show). */
export function gettid(): number {
  return syscall(SYS.gettid);
}

/**
 * One io_uring instance: its SQ/CQ rings and SQE array mapped into this
 * process. Not thread-safe; with SINGLE_ISSUER only the creating thread may
 * submit.
 */
export class Ring implements SqeSink {
  readonly fd: number;
  readonly flags: number;
  readonly features: number;
  private readonly ring: NativeMemory;
  private readonly sqes: NativeMemory;
  private readonly ringU32: Uint32Array;
  private readonly cqeI32: Int32Array;
  /** The SQE array as words, written by the prep functions through nextSqe(). */
  readonly sqeWords: Uint32Array;
  /** The same memory in 8-byte units, for zeroSqe. */
  private readonly sqeDoubles: Float64Array;
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
    this.features = params.getUint32(PARAMS.features, true);
    const sqEntries = params.getUint32(PARAMS.sqEntries, true);
    const cqEntries = params.getUint32(PARAMS.cqEntries, true);
    const sq = (field: number) => params.getUint32(PARAMS.sqOff + field * 4, true);
    const cq = (field: number) => params.getUint32(PARAMS.cqOff + field * 4, true);
    // sq_off: head, tail, ring_mask, ring_entries, flags, dropped, array
    // cq_off: head, tail, ring_mask, ring_entries, overflow, cqes, flags
    const ringBytes = Math.max(sq(6) + sqEntries * 4, cq(5) + cqEntries * CQE_BYTES);
    const shared = PROT_READ | PROT_WRITE;
    // LIFETIME: both mappings are shared with the kernel until close().
    this.ring = mapMemory(ringBytes, shared, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    this.sqes = mapMemory(sqEntries * SQE_BYTES, shared, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    this.ringU32 = new Uint32Array(this.ring.bytes);
    this.cqeI32 = new Int32Array(this.ring.bytes);
    this.sqeWords = new Uint32Array(this.sqes.bytes);
    this.sqeDoubles = new Float64Array(this.sqes.bytes);
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
        view.setUint32(PARAMS.flags, wanted, true);
        view.setUint32(PARAMS.cqEntries, cqEntries, true);
        const fd = syscall(SYS.io_uring_setup, entries, scratch.address);
        if (fd >= 0) {
          if ((view.getUint32(PARAMS.features, true) & IORING_FEAT_SINGLE_MMAP) === 0) {
            libc.close(fd);
            const detail = "kernel lacks IORING_FEAT_SINGLE_MMAP (needs 5.4+)";
            throw new OsError("io_uring_setup", "ENOSYS", ERRNO.ENOSYS, detail);
          }
          return new Ring(fd, view, wanted);
        }
        lastError = lastErrno();
        if (lastError !== ERRNO.EINVAL) break; // only EINVAL means "try fewer flags"
      }
      throw OsError.fromErrno("io_uring_setup", lastError, ioUringHint(lastError));
    } finally {
      unmapMemory(scratch);
    }
  }

  /** IORING_REGISTER_PBUF_RING: `regAddress` holds a `struct io_uring_buf_reg` naming the ring's memory. */
  registerBufferRing(regAddress: number): void {
    const r = syscall(SYS.io_uring_register, this.fd, IORING_REGISTER_PBUF_RING, regAddress, 1);
    if (r < 0)
      throw OsError.fromErrno("io_uring_register(PBUF_RING)", lastErrno(), "provided-buffer rings need Linux 5.19");
  }

  /** Throws ENOSYS naming each of `ops` (opcode, name with the kernel that added it) this kernel lacks. */
  requireOps(ops: readonly (readonly [number, string])[]): void {
    const supported = this.supportedOps();
    const missing = ops.filter(([op]) => !supported.has(op)).map(([, name]) => name);
    if (missing.length > 0) {
      throw new OsError("io_uring_register(PROBE)", "ENOSYS", ERRNO.ENOSYS, `kernel lacks ${missing.join(", ")}`);
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
   * The next SQE, zeroed, as the index of its first word in `sqeWords`: no
   * stale bytes from an earlier request survive. Submits first when the SQ
   * is full. The prep functions below fill it.
   */
  nextSqe(): number {
    if (this.tail - this.submitted >= this.sqEntries) this.submit(0);
    const w = (this.tail & this.sqMask) * SQE_WORD.WORDS;
    zeroSqe(this.sqeDoubles, w);
    this.tail = (this.tail + 1) >>> 0;
    return w;
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
    // The binding itself, not libc.ts's syscall(): one file fewer on the hot path.
    const r = Number(libc.syscall(SYS.io_uring_enter, this.fd, toSubmit, waitFor, flags, 0, 0));
    if (r >= 0) {
      this.submitted = (this.submitted + r) >>> 0;
      return true;
    }
    const errno = lastErrno();
    if (errno === ERRNO.EINTR) return false;
    if (errno === ERRNO.EAGAIN || errno === ERRNO.EBUSY) return false; // reap CQEs, try again
    throw OsError.fromErrno("io_uring_enter", errno);
  }

  /**
   * A worker's turn: block until a completion is ready (submitting what is
   * prepared on the way), or, when some are ready already, just hand the
   * kernel what is prepared without waiting.
   */
  submitAndWait(): void {
    if (this.ready === 0) {
      while (!this.submit(1) || this.ready === 0);
    } else if (this.unsubmitted > 0) {
      this.submit(0);
    }
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
  if (errno === ERRNO.EPERM || errno === ERRNO.EACCES) {
    return "io_uring is disabled here (kernel.io_uring_disabled sysctl or a seccomp profile, common in containers)";
  }
  // MSG_RING (5.18) is the newest opcode the server requires (see REQUIRED_OPS).
  if (errno === ERRNO.ENOSYS) return "this kernel has no io_uring (needs Linux 5.18 or newer)";
  if (errno === ERRNO.ENOMEM) return "not enough locked memory for the rings (raise RLIMIT_MEMLOCK)";
  return "";
}
