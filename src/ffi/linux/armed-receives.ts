/**
 * The bench client's ping-pong receives that stay armed (uring-client.ts,
 * ClientParams.multishotReceives): one multishot recv per connection, its
 * bytes in buffers of a provided-buffer ring all connections share.
 * Against a single recv re-armed after every echo, each message saves the
 * SQE, the kernel's setting up of the request and its poll on the socket:
 * about a tenth of what the client's kernel spends per 64-byte message
 * (bench/c/load-uring.c, 1,000 connections; see bench/RESULTS.md), where
 * the client rather than the server is the limit. A buffer holds what one
 * CQE delivered until the loop has read the batch: all of a batch's go back
 * to the ring at the next wait. A connection whose receive found the ring
 * empty (ENOBUFS ends a multishot) is re-armed then too, unseen by the loop.
 *
 * Layout, from `at` in the queue's slab (page-aligned):
 *
 *   [0, RING)        the ring (buffer-ring.ts): `count` x struct io_uring_buf
 *   REG              struct io_uring_buf_reg, read once at registration
 *   [BUFFERS, ...)   `count` buffers of `bytes`, from a page boundary
 */
import { BUFFER_GROUP, BufferRing } from "./buffer-ring.ts";
import { IO_URING_BUF_REG_BYTES, IORING_CQE_BUFFER_SHIFT } from "./io-uring-abi.ts";
import type { Ring } from "./io-uring.ts";
import { type NativeMemory, PAGE_BYTES } from "./libc.ts";

/** A kernel limit on a provided-buffer ring's entries (a power of two below 2^16); more would only cost memory. */
const MAX_BUFFERS = 1 << 14;
/** Buffers beyond one per connection: those of the batch the loop is reading, which go back at the next wait. */
const SPARE_BUFFERS = 256;

/** A ring's worth of buffers: one per connection and the batch's spares, as a power of two, at most MAX_BUFFERS. */
export function buffersFor(slots: number): number {
  return Math.min(MAX_BUFFERS, 2 ** Math.ceil(Math.log2(slots + SPARE_BUFFERS)));
}

/** Bytes from the ring's start to its first buffer. */
function headerBytes(count: number): number {
  return Math.ceil((BufferRing.bytes(count) + IO_URING_BUF_REG_BYTES) / PAGE_BYTES) * PAGE_BYTES;
}

export class ArmedReceives {
  /** Where buffer 0 starts in the slab. */
  private readonly bufferAt: number;
  private readonly buffers: BufferRing;
  /** Buffers the last batch handed to the loop, and connections (slot, generation) to re-arm. */
  private readonly held: Uint16Array;
  private heldCount = 0;
  private readonly rearmSlots: Uint32Array;
  private readonly rearmGens: Uint32Array;
  private rearmCount = 0;

  constructor(
    private readonly slab: NativeMemory,
    /** Where the ring starts in the slab (page-aligned). */
    private readonly at: number,
    count: number,
    private readonly bytes: number,
    slots: number,
  ) {
    this.bufferAt = at + headerBytes(count);
    this.buffers = new BufferRing(slab.bytes, at, count);
    this.held = new Uint16Array(count);
    this.rearmSlots = new Uint32Array(slots);
    this.rearmGens = new Uint32Array(slots);
  }

  /** Slab bytes for `count` buffers of `bytes`, from a page boundary. */
  static slabBytes(count: number, bytes: number): number {
    return headerBytes(count) + count * bytes;
  }

  /** Registers the ring with the kernel and gives it every buffer. */
  register(ring: Ring): void {
    const b = this.buffers;
    b.register(ring, this.slab.address, this.at + BufferRing.bytes(b.count), BUFFER_GROUP);
    for (let buffer = 0; buffer < b.count; buffer++) this.give(buffer, buffer);
    b.advance(b.count);
  }

  private give(buffer: number, ahead: number): void {
    this.buffers.add(this.slab.address + this.bufferAt + buffer * this.bytes, this.bytes, buffer, ahead);
  }

  /** A CQE's buffer, held until the next wait; returns where its bytes are in the slab. */
  hold(flags: number): number {
    const buffer = flags >>> IORING_CQE_BUFFER_SHIFT;
    this.held[this.heldCount++] = buffer;
    return this.bufferAt + buffer * this.bytes;
  }

  rearmLater(slot: number, gen: number): void {
    this.rearmSlots[this.rearmCount] = slot;
    this.rearmGens[this.rearmCount++] = gen;
  }

  /** Before a wait: the last batch's buffers go back, then connections that ran dry are re-armed. */
  release(rearm: (slot: number, gen: number) => void): void {
    for (let i = 0; i < this.heldCount; i++) this.give(this.held[i]!, i);
    this.buffers.advance(this.heldCount);
    this.heldCount = 0;
    for (let i = 0; i < this.rearmCount; i++) rearm(this.rearmSlots[i]!, this.rearmGens[i]!);
    this.rearmCount = 0;
  }
}
