/**
 * AF_UNIX datagrams for systemd's notify protocol (sd_notify(3)): one
 * datagram per message to the socket named in NOTIFY_SOCKET, which is a
 * file path or, with a leading '@', a name in the abstract namespace.
 * Bun has no unix-datagram API, hence libc. The receiving side exists for
 * tests, which bind their own socket and pass it as NOTIFY_SOCKET.
 */
import { OsError } from "../../os-error.ts";
import { check, lastErrno, libc } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const EAGAIN = 11;
/** sizeof(sockaddr_un): sun_family, then sun_path[108]. */
const SOCKADDR_UN_BYTES = 110;
const PATH_OFFSET = 2;
const MAX_PATH_BYTES = 108;
const RECEIVE_BYTES = 4096;

/** sockaddr_un for a path or an '@' abstract name, and the length to pass with it. */
export function unixAddress(name: string): { address: Buffer; length: number } {
  const abstract = name.startsWith("@");
  const path = Buffer.from(abstract ? name.slice(1) : name, "utf8");
  // A path needs its terminating NUL; an abstract name starts with one and has none.
  const bytes = path.length + 1;
  if (bytes > MAX_PATH_BYTES) throw new RangeError(`unix socket name longer than ${MAX_PATH_BYTES - 1} bytes: ${name}`);
  const address = Buffer.alloc(SOCKADDR_UN_BYTES);
  address.writeUInt16LE(AF_UNIX, 0);
  path.copy(address, PATH_OFFSET + (abstract ? 1 : 0));
  return { address, length: PATH_OFFSET + bytes };
}

/** Sends one datagram to `socketName`; throws an OsError when the socket is absent or refuses it. */
export function sendDatagram(socketName: string, message: string): void {
  const { address, length } = unixAddress(socketName);
  const fd = check("socket", libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), "notify socket");
  try {
    const data = Buffer.from(message, "utf8");
    const sent = Number(libc.sendto(fd, data, data.length, MSG_NOSIGNAL, address, length));
    if (sent === -1) throw OsError.fromErrno("sendto", lastErrno(), socketName);
  } finally {
    libc.close(fd);
  }
}

/** A bound, non-blocking datagram socket: what a test stands in for systemd with. */
export class DatagramReceiver {
  private readonly buffer = Buffer.alloc(RECEIVE_BYTES);

  private constructor(private readonly fd: number) {}

  static bind(socketName: string): DatagramReceiver {
    const { address, length } = unixAddress(socketName);
    const fd = check("socket", libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), socketName);
    if (libc.bind(fd, address, length) === -1) {
      const errno = lastErrno();
      libc.close(fd);
      throw OsError.fromErrno("bind", errno, socketName);
    }
    return new DatagramReceiver(fd);
  }

  /** The next datagram, or null when none is waiting. */
  receive(): string | null {
    const n = Number(libc.recv(this.fd, this.buffer, RECEIVE_BYTES, 0));
    if (n === -1) {
      const errno = lastErrno();
      if (errno === EAGAIN) return null;
      throw OsError.fromErrno("recv", errno, "notify receiver");
    }
    return this.buffer.toString("utf8", 0, n);
  }

  close(): void {
    libc.close(this.fd);
  }
}
