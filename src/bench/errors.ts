/**
 * What can go wrong in a bench run, by kind: connects that fail, transfers
 * the OS ends, and echoes that are wrong. The names are the keys of the JSON
 * report's `errors` object, so they are part of its schema.
 */
import { ERRNO } from "../os-error.ts";

export const ERROR_KINDS = {
  refused: "connect refused (nothing listens there)",
  timedOut: "connect timed out",
  unreachable: "network or host unreachable",
  connectOther: "connect failed otherwise",
  reset: "connection reset",
  ioOther: "send or receive failed otherwise",
  corrupt: "echoed bytes differ from those sent",
  dropped: "echo is missing bytes (short echo)",
  extra: "echo has bytes that were never sent",
  crosstalk: "echo carries another connection's bytes",
  closed: "server closed with bytes outstanding (short echo)",
  stall: "no echo for 1 s while bytes were outstanding",
  lost: "UDP datagram not echoed within the loss timeout",
  duplicate: "UDP datagram echoed more than once",
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;
export const ERROR_KIND_NAMES = Object.keys(ERROR_KINDS) as ErrorKind[];
/** Index of each kind in a worker's counter row. */
export const ERROR_INDEX = Object.fromEntries(ERROR_KIND_NAMES.map((k, i) => [k, i])) as Record<ErrorKind, number>;

/** A failed connect's result (negative errno, as completions carry it) by kind. */
export function connectErrorKind(res: number): ErrorKind {
  switch (-res) {
    case ERRNO.ECONNREFUSED:
      return "refused";
    case ERRNO.ETIMEDOUT:
    case ERRNO.ECANCELED:
    case ERRNO.ETIME:
      return "timedOut";
    case ERRNO.ENETUNREACH:
    case ERRNO.EHOSTUNREACH:
    case ERRNO.ENETDOWN:
    case ERRNO.EADDRNOTAVAIL:
      return "unreachable";
    case ERRNO.ECONNRESET:
      return "reset";
    default:
      return "connectOther";
  }
}

/** A failed send or receive by kind. */
export function ioErrorKind(res: number): ErrorKind {
  return -res === ERRNO.ECONNRESET || -res === ERRNO.EPIPE || -res === ERRNO.ECONNABORTED ? "reset" : "ioOther";
}

export function emptyErrors(): Record<ErrorKind, number> {
  return Object.fromEntries(ERROR_KIND_NAMES.map((k) => [k, 0])) as Record<ErrorKind, number>;
}

/**
 * A datagram socket's failed receive or send. ECONNREFUSED (Linux) and
 * ECONNRESET (Windows' WSAECONNRESET) are the ICMP port-unreachable answer:
 * nothing listens on the target's UDP port.
 */
export function datagramErrorKind(res: number): ErrorKind {
  return -res === ERRNO.ECONNREFUSED || -res === ERRNO.ECONNRESET ? "refused" : ioErrorKind(res);
}
