/**
 * A client that vanishes without a FIN: it connects, echoes once, then puts
 * its socket in TCP_REPAIR mode and closes it. In repair mode close(2)
 * sends nothing (that is how CRIU freezes a connection), so the server's
 * side stays ESTABLISHED with no word that the peer is gone, exactly as when
 * a client's machine loses power. Needs CAP_NET_ADMIN.
 *
 * Plain blocking libc calls through bun:ffi: node:net cannot set TCP_REPAIR.
 */
import { dlopen, type Pointer, ptr, read } from "bun:ffi";

const libc = dlopen("libc.so.6", {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  send: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
  recv: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
}).symbols;

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const IPPROTO_TCP = 6;
const TCP_REPAIR = 19;
const EPERM = 1;

// One buffer well over the size at which typed arrays could move, so the
// pointers stay good for the calls below.
const scratch = new Uint8Array(4096);
const view = new DataView(scratch.buffer);
const at = (offset: number) => (ptr(scratch) + offset) as Pointer;
const errno = (): number => {
  const p = libc.__errno_location();
  return p === null ? 0 : read.i32(p, 0);
};

export class RepairNotPermitted extends Error {}

/** Connects, echoes `hello`, then vanishes. Throws RepairNotPermitted without CAP_NET_ADMIN. */
export function connectEchoAndVanish(port: number): void {
  const fd = libc.socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw new Error(`socket: errno ${errno()}`);
  try {
    view.setUint16(0, AF_INET, true);
    view.setUint16(2, port, false);
    view.setUint32(4, 0x7f000001, false);
    view.setBigUint64(8, 0n);
    if (libc.connect(fd, at(0), 16) !== 0) throw new Error(`connect 127.0.0.1:${port}: errno ${errno()}`);
    view.setBigInt64(64, 5n, true); // SO_RCVTIMEO: 5 s, then 0 µs
    view.setBigInt64(72, 0n, true);
    libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, at(64), 16);
    scratch.set(new TextEncoder().encode("hello"), 128);
    if (libc.send(fd, at(128), 5, 0) !== 5n) throw new Error(`send: errno ${errno()}`);
    let got = 0;
    while (got < 5) {
      const n = Number(libc.recv(fd, at(256 + got), 5 - got, 0));
      if (n <= 0) throw new Error(`recv: ${n === 0 ? "EOF" : `errno ${errno()}`} before the echo`);
      got += n;
    }
    if (new TextDecoder().decode(scratch.subarray(256, 261)) !== "hello") throw new Error("echo differs");
    view.setInt32(96, 1, true);
    if (libc.setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, at(96), 4) !== 0) {
      const e = errno();
      if (e === EPERM) throw new RepairNotPermitted("TCP_REPAIR needs CAP_NET_ADMIN");
      throw new Error(`setsockopt(TCP_REPAIR): errno ${e}`);
    }
  } finally {
    libc.close(fd); // in repair mode: no FIN, no RST
  }
}
