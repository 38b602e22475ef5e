/**
 * libc entry points, hand-written. Signatures follow the man pages; the few
 * calls glibc has no wrapper for (io_uring_*, gettid on old glibc) go through
 * `syscall(2)` with their numbers from linux/io-uring-abi.ts.
 *
 * errno: glibc keeps it per thread. We fetch `__errno_location()` once per
 * thread and read it with `read.i32` (a JIT intrinsic, not a native call)
 * straight after a call returns -1, so nothing can run in between and
 * overwrite it.
 */
import { dlopen, FFIType, type Pointer, read, toArrayBuffer } from "bun:ffi";
import { OsError } from "../../os-error.ts";

const int = FFIType.i32;
const long = FFIType.i64_fast;
const size_t = FFIType.u64;
const void_ptr = FFIType.ptr;
const u32 = FFIType.u32;
const i64 = FFIType.i64;

const lib = dlopen("libc.so.6", {
  // https://man7.org/linux/man-pages/man3/errno.3.html
  __errno_location: { args: [], returns: void_ptr },
  // https://man7.org/linux/man-pages/man2/bind.2.html
  bind: { args: [int, void_ptr, u32], returns: int },
  // https://man7.org/linux/man-pages/man2/close.2.html
  close: { args: [int], returns: int },
  // https://man7.org/linux/man-pages/man2/getrlimit.2.html
  getrlimit: { args: [int, void_ptr], returns: int },
  // https://man7.org/linux/man-pages/man2/getsockname.2.html
  getsockname: { args: [int, void_ptr, void_ptr], returns: int },
  // https://man7.org/linux/man-pages/man2/listen.2.html
  listen: { args: [int, int], returns: int },
  // https://man7.org/linux/man-pages/man2/madvise.2.html
  madvise: { args: [void_ptr, size_t, int], returns: int },
  // https://man7.org/linux/man-pages/man3/memcmp.3.html
  memcmp: { args: [void_ptr, void_ptr, size_t], returns: int },
  // https://man7.org/linux/man-pages/man2/mmap.2.html
  // Returns i64_fast so that MAP_FAILED arrives as exactly -1.
  mmap: { args: [void_ptr, size_t, int, int, int, i64], returns: long },
  // https://man7.org/linux/man-pages/man2/munmap.2.html
  munmap: { args: [void_ptr, size_t], returns: int },
  // https://man7.org/linux/man-pages/man2/recv.2.html
  recv: { args: [int, void_ptr, size_t, int], returns: long },
  // https://man7.org/linux/man-pages/man2/sendto.2.html
  sendto: { args: [int, void_ptr, size_t, int, void_ptr, u32], returns: long },
  // https://man7.org/linux/man-pages/man2/setrlimit.2.html
  setrlimit: { args: [int, void_ptr], returns: int },
  // https://man7.org/linux/man-pages/man2/setsockopt.2.html
  setsockopt: { args: [int, int, int, void_ptr, u32], returns: int },
  // https://man7.org/linux/man-pages/man2/shutdown.2.html
  shutdown: { args: [int, int], returns: int },
  // https://man7.org/linux/man-pages/man2/socket.2.html
  socket: { args: [int, int, int], returns: int },
  // https://man7.org/linux/man-pages/man2/syscall.2.html (variadic; every
  // argument is a register-sized integer, which the x86-64 and arm64 ABIs
  // pass the same way for fixed and variadic parameters)
  syscall: { args: [i64, i64, i64, i64, i64, i64, i64], returns: long },
});

export const libc = lib.symbols;

/** syscall(2) with unused arguments as 0; the result as a number. */
export function syscall(nr: number, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): number {
  return Number(libc.syscall(nr, a, b, c, d, e, f));
}

let errnoAddress: Pointer | null = null;

/** This thread's errno, read right after a failed call. */
export function lastErrno(): number {
  errnoAddress ??= libc.__errno_location() as Pointer | null;
  if (errnoAddress === null) return 0;
  return read.i32(errnoAddress, 0);
}

/** Throws an OsError named after `call` when a libc call returned -1. */
export function check(call: string, result: number, detail?: string): number {
  if (result === -1) throw OsError.fromErrno(call, lastErrno(), detail);
  return result;
}

// mmap(2) constants (asm-generic; the same on x86-64 and arm64).
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
/** Drop the pages of a private anonymous range; the next touch maps a zeroed page. */
export const MADV_DONTNEED = 4;
export const PAGE_BYTES = 4096;
const MAP_FAILED = -1;

/** Native memory that the garbage collector neither frees nor moves. */
export interface NativeMemory {
  readonly address: number;
  readonly bytes: ArrayBuffer;
}

/** mmap(2) with the failure value turned into an OsError. */
export function mapMemory(length: number, prot: number, flags: number, fd = -1, offset = 0): NativeMemory {
  const address = Number(libc.mmap(null, length, prot, flags, fd, offset));
  if (address === MAP_FAILED) {
    throw OsError.fromErrno("mmap", lastErrno(), `${length} bytes`);
  }
  return { address, bytes: toArrayBuffer(address as Pointer, 0, length) };
}

export function unmapMemory(memory: NativeMemory): void {
  libc.munmap(memory.address as Pointer, memory.bytes.byteLength);
}

/** Anonymous private memory, zero-filled: slabs and scratch pages. */
export function allocateNative(length: number): NativeMemory {
  return mapMemory(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
}
