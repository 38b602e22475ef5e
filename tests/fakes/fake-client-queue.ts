/**
 * A ClientQueue over an in-memory echo server, for testing the bench loop
 * without sockets: sends land in a per-connection echo buffer (bent by a
 * fault when asked), receives take from it, timers sleep for real.
 */

import { PATTERN_COPY_BYTES } from "../../src/bench/payload.ts";
import type { ClientQueue } from "../../src/client-queue.ts";
import { type CompletionBatch, type IssueResult, OpKind } from "../../src/engine.ts";
import { OsError } from "../../src/os-error.ts";
import { sameBytes } from "./pattern-copy.ts";

/**
 * "lose": every LOSE_EVERY-th send is never echoed (a datagram lost, for the
 * UDP loop); "reset": every send after the 20th fails with ECONNRESET;
 * "no-route": a connect fails at once with ENETUNREACH, as ConnectEx does
 * when there is no route, and no completion follows; "pause": once, after
 * the 20th send, the whole machine stops for PAUSE_FOR_MS (the fake sleeps
 * in `wait` before echoing anything, as a stopped VM's target and client
 * both would), then everything goes on as before.
 */
export type FakeFault =
  | "none"
  | "refuse"
  | "hang"
  | "flip"
  | "silent"
  | "close"
  | "lose"
  | "reset"
  | "no-route"
  | "pause";
export const PAUSE_FOR_MS = 1100;
export const LOSE_EVERY = 5;

interface Pending {
  op: number;
  slot: number;
  gen: number;
  res: number;
  /** A receive that stays armed. */
  more?: number;
  /** Where a receive's bytes are, when not in the slot's area. */
  at?: number;
}

/** Multishot: buffers the fake rotates through, more than a batch holds, so none is reused while the loop reads it. */
const ARMED_BUFFERS = 512;
/** Multishot: every this many echoes, one ends the receive, as a kernel may (the loop must ask again). */
export const ARMED_ENDS_EVERY = 7;

export class FakeClientQueue implements ClientQueue {
  readonly threadId = 1;
  readonly memory: Uint8Array;
  readonly patternAt: number;
  private readonly echo: Uint8Array[][] = [];
  private readonly recvGen = new Map<number, number>();
  /** Connects that never complete by themselves ("hang"): only an abort ends them, with ECANCELED. */
  private readonly connecting = new Map<number, number>();
  private readonly ready: Pending[] = [];
  private timerAt = -1;
  private paused = false;
  closed = 0;
  sends = 0;
  lost = 0;
  /** Send completions posted, and receives asked to wait for readiness first (nothingSent). */
  sendCompletions = 0;
  nothingSentRecvs = 0;
  recvs = 0;
  aborts = 0;
  /** Multishot: echoes delivered to armed receives, and where each entry of the last batch lies. */
  private armedEchoes = 0;
  get armedDelivered(): number {
    return this.armedEchoes;
  }
  private readonly entryAt = new Int32Array(1024);

  constructor(
    slots: number,
    readonly areaBytes: number,
    private readonly fault: FakeFault = "none",
    /** At most this many bytes per send, to make partial sends (not of a quiet send: io_uring's MSG_WAITALL finishes it). */
    private readonly sendLimit = Number.POSITIVE_INFINITY,
    /** As io_uring: a quiet send completes only when it fails. */
    readonly quietSends = false,
    /**
     * As io_uring's multishot recv: a receive stays armed, each echo comes
     * with `more` set, in a buffer of a shared pool; every
     * ARMED_ENDS_EVERY-th echo ends the receive.
     */
    private readonly multishot = false,
  ) {
    this.patternAt = slots * 2 * areaBytes;
    this.memory = new Uint8Array(this.patternAt + PATTERN_COPY_BYTES + (multishot ? ARMED_BUFFERS * areaBytes : 0));
    for (let i = 0; i < slots; i++) this.echo.push([]);
  }

  connect(slot: number, gen: number): IssueResult {
    if (this.fault === "no-route") return OsError.fromErrno("ConnectEx", 101);
    if (this.fault === "hang") this.connecting.set(slot, gen);
    else this.ready.push({ op: OpKind.Connect, slot, gen, res: this.fault === "refuse" ? -111 : 0 });
    return "pending";
  }
  recv(slot: number, gen: number, nothingSent: boolean): IssueResult {
    this.recvGen.set(slot, gen);
    this.recvs++;
    if (nothingSent) this.nothingSentRecvs++;
    return "pending";
  }
  send(slot: number, gen: number, at: number, length: number, quiet: boolean): IssueResult {
    if (quiet && !this.quietSends) throw new Error("fake queue: a quiet send on a queue without quietSends");
    this.sends++;
    if (this.fault === "reset" && this.sends > 20) {
      this.sendCompletions++;
      this.ready.push({ op: OpKind.Send, slot, gen, res: -104 });
      return "pending";
    }
    const n = quiet ? length : Math.min(length, this.sendLimit);
    const bytes = this.memory.slice(at, at + n);
    if (this.fault === "flip" && bytes.length > 3) bytes[3]! ^= 1;
    if (this.fault === "lose" && this.sends % LOSE_EVERY === 0) this.lost++;
    else if (this.fault !== "silent") this.echo[slot]!.push(bytes);
    if (this.fault === "close" && this.sends > 20) this.echo[slot] = [];
    if (quiet) return "pending";
    this.sendCompletions++;
    this.ready.push({ op: OpKind.Send, slot, gen, res: n });
    return "pending";
  }
  same(a: number, b: number, length: number): boolean {
    return sameBytes(this.memory, a, b, length);
  }
  get multishotReceives(): boolean {
    return this.multishot;
  }
  receivedAt(entry: number, slot: number): number {
    return this.multishot ? this.entryAt[entry]! : this.receiveAt(slot);
  }
  receiveAt(slot: number): number {
    return slot * 2 * this.areaBytes;
  }
  sendAt(slot: number): number {
    return (slot * 2 + 1) * this.areaBytes;
  }
  abort(slot: number): void {
    this.aborts++;
    const connecting = this.connecting.get(slot);
    if (connecting !== undefined) {
      this.connecting.delete(slot);
      this.ready.push({ op: OpKind.Connect, slot, gen: connecting, res: -125 });
    }
    const gen = this.recvGen.get(slot);
    if (gen !== undefined) {
      this.recvGen.delete(slot);
      this.ready.push({ op: OpKind.Recv, slot, gen, res: 0 });
    }
  }
  close(): void {
    this.closed++;
  }
  armTimer(ms: number): void {
    this.timerAt = performance.now() + ms;
  }
  cancelTimer(): void {
    this.timerAt = performance.now();
  }
  wait(batch: CompletionBatch): void {
    batch.count = 0;
    if (this.fault === "pause" && !this.paused && this.sends > 20) {
      this.paused = true;
      Bun.sleepSync(PAUSE_FOR_MS);
    }
    this.deliverEchoes();
    const due = this.timerAt >= 0 && performance.now() >= this.timerAt;
    if ((this.ready.length === 0 || due) && this.timerAt >= 0) {
      Bun.sleepSync(Math.max(0, this.timerAt - performance.now()));
      this.timerAt = -1;
      batch.push(OpKind.Timer, 0, 0, -62, 0);
    }
    for (const p of this.ready.splice(0, batch.capacity - batch.count)) {
      if (p.at !== undefined) this.entryAt[batch.count] = p.at;
      batch.push(p.op, p.slot, p.gen, p.res, p.more ?? 0);
    }
    if (batch.count === 0) throw new Error("fake queue: wait with nothing outstanding would block for ever");
  }
  private deliverEchoes(): void {
    for (const [slot, gen] of this.recvGen) {
      const chunks = this.echo[slot]!;
      const closing = this.fault === "close" && this.sends > 20;
      if (chunks.length === 0 && !closing) continue;
      if (this.multishot) {
        this.deliverArmed(slot, gen, chunks, closing);
        continue;
      }
      // One queued send per receive: its bytes fit, since no send is longer than an area.
      const bytes = chunks.shift() ?? new Uint8Array(0);
      const n = bytes.length;
      this.memory.set(bytes, this.receiveAt(slot));
      this.recvGen.delete(slot);
      this.ready.push({ op: OpKind.Recv, slot, gen, res: n });
    }
  }
  /** Every queued send is an echo of the armed receive, each in the next buffer of the pool. */
  private deliverArmed(slot: number, gen: number, chunks: Uint8Array[], closing: boolean): void {
    for (let bytes = chunks.shift(); bytes !== undefined; bytes = chunks.shift()) {
      const at = this.patternAt + PATTERN_COPY_BYTES + (this.armedEchoes % ARMED_BUFFERS) * this.areaBytes;
      this.memory.set(bytes, at);
      const ends = ++this.armedEchoes % ARMED_ENDS_EVERY === 0;
      this.ready.push({ op: OpKind.Recv, slot, gen, res: bytes.length, more: ends ? 0 : 1, at });
      if (ends) {
        this.recvGen.delete(slot);
        return;
      }
    }
    if (closing) {
      this.recvGen.delete(slot);
      this.ready.push({ op: OpKind.Recv, slot, gen, res: 0 });
    }
  }
  dispose(): void {}
}
