/**
 * The io_uring backend's main-thread half. One ring per worker (rings are not
 * made to be shared, and SINGLE_ISSUER makes the creating thread the only
 * submitter), each with its own multishot accept on the one shared listening
 * socket. The host keeps a small control ring whose IORING_OP_MSG_RING posts
 * commands, the exit key among them, straight into a worker's completion
 * queue: the io_uring analogue of PostQueuedCompletionStatus.
 */
import { readdirSync, readlinkSync } from "node:fs";
import type { Pointer } from "bun:ffi";
import { type BoundAddress, type EngineHost, OpKind } from "../../engine.ts";
import type { UringWorkerParams } from "../../worker-params.ts";
import { OsError } from "../../os-error.ts";
import { IORING_OP } from "./io-uring-abi.ts";
import { Ring } from "./io-uring.ts";
import { allocateNative, lastErrno, libc, unmapMemory } from "./libc.ts";
import { prepMsgRing, userLo } from "./sqe.ts";
import { listenTcp, SHUT_RDWR } from "./sockets.ts";
import { bindUdp } from "./udp-socket.ts";

/** Opcodes the server cannot run without, with the kernel that added them. */
const REQUIRED_OPS: [number, string][] = [
  [IORING_OP.ACCEPT, "IORING_OP_ACCEPT (Linux 5.5)"],
  [IORING_OP.RECV, "IORING_OP_RECV (Linux 5.6)"],
  [IORING_OP.SEND, "IORING_OP_SEND (Linux 5.6)"],
  [IORING_OP.TIMEOUT, "IORING_OP_TIMEOUT (Linux 5.4)"],
  [IORING_OP.ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL (Linux 5.5)"],
  [IORING_OP.MSG_RING, "IORING_OP_MSG_RING (Linux 5.18)"],
];
/** What --udp needs beside them (multishot recvmsg on a provided-buffer ring: Linux 6.0). */
const UDP_OPS: [number, string][] = [
  [IORING_OP.RECVMSG, "IORING_OP_RECVMSG (Linux 5.3; multishot 6.0)"],
  [IORING_OP.SENDMSG, "IORING_OP_SENDMSG (Linux 5.3)"],
];

class UringHost implements EngineHost {
  readonly backend = "io_uring" as const;
  readonly sharesConnections = false;
  private listener = -1;
  private udp = -1;
  private readonly ringFds: number[] = [];

  constructor(private readonly control: Ring) {}

  listen(host: string, port: number, backlog: number, keepaliveMs: number): BoundAddress {
    const { fd, bound } = listenTcp(host, port, backlog, keepaliveMs);
    this.listener = fd;
    return bound;
  }

  listenUdp(host: string, port: number): void {
    // Each worker's ring has its own buffers: the number of workers does not matter here.
    this.control.requireOps(UDP_OPS);
    this.udp = bindUdp(host, port);
  }

  workerParams(slots: number, bufferBytes: number): UringWorkerParams {
    return { backend: "io_uring", listener: this.listener, udp: this.udp, slots, bufferBytes };
  }

  attach(index: number, ringFd: number): void {
    this.ringFds[index] = ringFd;
  }

  post(index: number, command: number): void {
    const target = this.ringFds[index];
    if (target === undefined) return;
    // MSG_RING: the target ring gets a CQE with user_data = off, res = len.
    prepMsgRing(this.control, target, command, userLo(0, OpKind.Control), 0, 0);
    while (!this.control.submit(1));
    const word = this.control.cqeWord(0);
    const res = this.control.cqeRes(word);
    this.control.consume(1);
    if (res < 0) throw OsError.fromErrno("io_uring_enter(MSG_RING)", res, `worker ${index}`);
  }

  stopAccepting(): void {
    // shutdown(2) on a listening socket moves it out of LISTEN: every
    // worker's pending multishot accept completes with an error, and new
    // connection attempts are refused at once instead of queueing.
    if (this.listener >= 0 && libc.shutdown(this.listener, SHUT_RDWR) === -1) {
      throw OsError.fromErrno("shutdown", lastErrno(), "listening socket");
    }
  }

  raiseOpenFileLimit(): { before: number; after: number } {
    const RLIMIT_NOFILE = 7;
    const limits = allocateNative(16);
    try {
      const v = new DataView(limits.bytes);
      if (libc.getrlimit(RLIMIT_NOFILE, limits.address as Pointer) !== 0)
        throw OsError.fromErrno("getrlimit", lastErrno());
      const before = Number(v.getBigUint64(0, true));
      v.setBigUint64(0, v.getBigUint64(8, true), true); // soft = hard
      if (libc.setrlimit(RLIMIT_NOFILE, limits.address as Pointer) !== 0)
        throw OsError.fromErrno("setrlimit", lastErrno());
      return { before, after: Number(v.getBigUint64(0, true)) };
    } finally {
      unmapMemory(limits);
    }
  }

  countOwnDescriptors(): number | null {
    return countSocketsAndRings();
  }

  dispose(): void {
    // close(2) fails only on a descriptor that is not open: nothing to undo.
    if (this.listener >= 0) libc.close(this.listener);
    if (this.udp >= 0) libc.close(this.udp);
    this.listener = -1;
    this.udp = -1;
    this.control.close();
  }
}

export function openUringHost(): EngineHost {
  const control = Ring.open(16, [0]);
  try {
    control.requireOps(REQUIRED_OPS);
  } catch (error) {
    control.close();
    throw error;
  }
  return new UringHost(control);
}

/**
 * This process's open sockets and io_uring instances in /proc/self/fd. Only
 * those kinds: Bun keeps a few descriptors of its own (a terminated worker's
 * event loop, pipes, copies of stdio) that are not ours.
 */
function countSocketsAndRings(): number | null {
  const link = (fd: string) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return null; // closed meanwhile (the directory handle readdir held)
    }
  };
  try {
    // stdout and stderr may be sockets (a parent's socketpair), which Bun
    // duplicates as it writes from several threads: those are not ours.
    const stdio = new Set(["0", "1", "2"].map(link));
    let n = 0;
    for (const fd of readdirSync("/proc/self/fd")) {
      const target = link(fd);
      if (target === null || stdio.has(target)) continue;
      if (target.startsWith("socket:") || target === "anon_inode:[io_uring]") n++;
    }
    return n;
  } catch {
    return null;
  }
}
