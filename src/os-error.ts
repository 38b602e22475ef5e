/**
 * One error vocabulary for every backend (libuv's uv_translate_sys_error).
 *
 * Codes are POSIX names (`ECONNRESET`, `EADDRINUSE`, ...). Numbers travel
 * through the completion loop as negative Linux errno values, because that is
 * what io_uring's `cqe.res` already holds; the IOCP backend translates
 * NTSTATUS and WSA codes into the same numbers (see win32/errors.ts).
 */

/** Linux errno numbers for the codes the server reasons about, by name. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  EPIPE: 32,
  ENOSYS: 38,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENETRESET: 102,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  ECANCELED: 125,
  ETIME: 62,
} as const;

export type ErrorCode = keyof typeof ERRNO;

const NAME_BY_NUMBER = new Map<number, ErrorCode>(
  (Object.entries(ERRNO) as [ErrorCode, number][]).map(([name, n]) => [n, name]),
);

/** `104` (or `-104`) -> `ECONNRESET`; a number outside the vocabulary is `EIO` (OsError.raw keeps it). */
export function errnoCode(errno: number): ErrorCode {
  return NAME_BY_NUMBER.get(Math.abs(errno)) ?? "EIO";
}

/**
 * What issuing an operation did: "pending" or "completed" (its completion
 * will come), or the OsError of a call that failed at once (none will).
 */
export type IssueResult = "pending" | "completed" | OsError;

/** A failed OS call: which call, the portable code, the raw OS number. */
export class OsError extends Error {
  constructor(
    readonly call: string,
    readonly code: ErrorCode,
    readonly raw: number,
    detail?: string,
  ) {
    super(`${call} failed: ${code} (${raw})${detail ? `: ${detail}` : ""}`);
    this.name = "OsError";
  }

  /** From a Linux errno (positive or negative, as `cqe.res` carries it). */
  static fromErrno(call: string, errno: number, detail?: string): OsError {
    return new OsError(call, errnoCode(errno), Math.abs(errno), detail);
  }

  /** The result a completion of the failed operation would carry: the code's negative errno. */
  get res(): number {
    return -ERRNO[this.code];
  }
}
