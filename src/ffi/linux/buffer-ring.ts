/**
 * A provided-buffer ring (struct io_uring_buf_ring, Linux 5.19) in native
 * memory: the entries the kernel takes receive buffers from, written as
 * liburing's io_uring_buf_ring_add and io_uring_buf_ring_advance write
 * them. The tail is the u16 at byte 14, overlaying entry 0's resv. Used by
 * the server's UDP receives (udp-uring.ts) and the bench client's armed
 * TCP receives (armed-receives.ts).
 */
import { writeU64 } from "../u64.ts";
import { IO_URING_BUF_BYTES } from "./io-uring-abi.ts";
import type { Ring } from "./io-uring.ts";

/** The group id a ring's one buffer ring is registered under (each user has a ring of its own), so any constant. */
export const BUFFER_GROUP = 1;

export class BufferRing {
  private readonly tail: Uint16Array;
  private readonly view: DataView;

  constructor(
    private readonly memory: ArrayBuffer,
    /** Where the ring starts in `memory` (page-aligned). */
    private readonly at: number,
    /** Entries: a power of two, below 2^16. */
    readonly count: number,
  ) {
    this.tail = new Uint16Array(memory, at, BufferRing.bytes(count) / 2);
    this.view = new DataView(memory, at, BufferRing.bytes(count));
  }

  /** The ring's own bytes for `count` entries. */
  static bytes(count: number): number {
    return count * IO_URING_BUF_BYTES;
  }

  /**
   * Registers the ring as buffer group `group` (IORING_REGISTER_PBUF_RING),
   * through a struct io_uring_buf_reg written at `regAt` in the same memory,
   * which lies at native `address`.
   */
  register(ring: Ring, address: number, regAt: number, group: number): void {
    const reg = new DataView(this.memory, regAt);
    writeU64(reg, 0, address + this.at); // ring_addr
    reg.setUint32(8, this.count, true); // ring_entries
    reg.setUint16(12, group, true); // bgid
    ring.registerBufferRing(address + regAt);
  }

  /** Writes buffer `bid` (`length` bytes at native `address`) `ahead` entries past the tail; the kernel sees it once advanced. */
  add(address: number, length: number, bid: number, ahead: number): void {
    const at = ((this.tail[7]! + ahead) & (this.count - 1)) * IO_URING_BUF_BYTES;
    writeU64(this.view, at, address);
    this.view.setUint32(at + 8, length, true);
    this.view.setUint16(at + 12, bid, true);
  }

  /** Moves the tail past `n` entries added: a release store, so the kernel sees the entries before the tail. */
  advance(n: number): void {
    Atomics.store(this.tail, 7, (this.tail[7]! + n) & 0xffff);
  }
}
