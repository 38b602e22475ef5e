/**
 * The bench's completion loop, one per worker: it connects this worker's
 * share of the connections, keeps each one sending its stream (ping-pong
 * messages up to --pipeline outstanding, paced by --rate when set; or a
 * continuous stream within a bounded window), checks every echoed byte, and
 * reports through its Meter. It is the server loop's mirror and shares none
 * of its code: the server reacts to what arrives, the client drives.
 */
import type { ClientQueue } from "../client-queue.ts";
import { BenchLoop, Busy, SlotState, TICK_MS } from "./bench-loop.ts";
import { ClientSlots, GaveUp } from "./client-slots.ts";
import { connectErrorKind, type ErrorKind, ioErrorKind } from "./errors.ts";
import type { Meter } from "./meter.ts";
import { Pacer, STREAM_COMMITS } from "./pacer.ts";
import { streamAt, writePattern } from "./payload.ts";
import type { LoopPlan, RunSignals } from "./plan.ts";

/**
 * How often a tick looks at every connection when none needs it sooner (no
 * connect pending, no pacing, not draining): only for stalls then, and a
 * stall is a second without progress, so a quarter of that is soon enough.
 * Looking at all 10,000 connections on every 50 ms tick cost the client
 * time the server did not pay.
 */
const STALL_SWEEP_MS = 250;

export class ClientLoop extends BenchLoop {
  private readonly s: ClientSlots;
  private readonly pacer: Pacer;
  /**
   * Whether a send that empties the backlog may be quiet (ClientQueue.send):
   * with one ping-pong message outstanding nothing more is sent until its
   * echo is back, and the echo says the send ended. A loop that is the
   * client's limit then handles one completion per message, not two.
   */
  private readonly quietSends: boolean;
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  /** Hands completed messages to the meter; made once, as a closure per receive would be garbage per receive. */
  private readonly completed = (count: number, sentMs: number) =>
    this.meter.messages(count, this.now - sentMs, this.now);

  constructor(queue: ClientQueue, plan: LoopPlan, meter: Meter, signals: RunSignals | null = null) {
    super(queue, plan, meter, signals);
    const fifo = plan.mode === "stream" ? STREAM_COMMITS + 1 : plan.pipeline + 1;
    this.s = new ClientSlots(this.slots, fifo, (slot) => this.stream(slot));
    this.pacer = new Pacer(this.s, plan);
    this.quietSends = queue.quietSends && plan.mode === "pingpong" && plan.pipeline === 1;
    // Sends go straight from the queue's copy of the pattern, and echoes are compared with it.
    writePattern(queue);
  }

  protected armTimer(): void {
    let ms = Math.min(TICK_MS, this.meter.nextBoundaryMs() - this.now);
    if (this.plan.rate > 0 && !this.draining)
      ms = this.pacer.nextDueMs(this.now, ms, (slot) => this.state[slot] === SlotState.Open);
    this.queue.armTimer(Math.max(1, Math.ceil(ms)));
    this.timerArmed = true;
  }

  protected onConnect(slot: number, res: number): void {
    const s = this.s;
    const gaveUp = s.gaveUp[slot];
    if (res < 0 || gaveUp !== GaveUp.No || this.draining) {
      // A connect abandoned because the run ended is no error; one that took too long is.
      if (gaveUp === GaveUp.TimedOut) this.meter.error("timedOut", this.now);
      else if (res < 0 && gaveUp === GaveUp.No) this.meter.error(connectErrorKind(res), this.now);
      this.finish(slot);
      return;
    }
    this.meter.connected(this.now - this.startedMs[slot]!);
    this.state[slot] = SlotState.Open;
    this.open++;
    this.pacer.start(slot, s.verifiers[slot]!.stream, this.now);
    if (!this.issue(slot, Busy.Recv, this.queue.recv(slot, this.gen[slot]!, true))) {
      this.fail(slot, "ioOther");
      return;
    }
    this.pump(slot);
  }

  protected onRecv(slot: number, res: number, entry: number): void {
    const s = this.s;
    if (res < 0) {
      this.fail(slot, ioErrorKind(res));
      return;
    }
    const v = s.verifiers[slot]!;
    if (res === 0) {
      const failure = v.onClosed();
      if (failure !== null) {
        this.fail(slot, failure);
        return;
      }
      this.end(slot);
      return;
    }
    const failure = v.onReceived(this.queue, this.queue.receivedAt(entry, slot), res, this.now);
    if (failure !== null) {
      this.fail(slot, failure);
      return;
    }
    this.meter.bytes(res, this.now);
    const whole = Math.floor(v.received / this.plan.size);
    const completed = whole - s.doneMessages[slot]!;
    if (completed > 0) {
      s.doneMessages[slot] = whole;
      s.complete(slot, completed, this.completed);
    }
    const armed = (this.busy[slot]! & Busy.Recv) !== 0;
    if (!armed && !this.issue(slot, Busy.Recv, this.queue.recv(slot, this.gen[slot]!, v.outstanding === 0))) {
      this.fail(slot, "ioOther");
      return;
    }
    this.pump(slot);
    if (this.draining && v.outstanding === 0 && s.backlog[slot] === 0) this.end(slot);
  }

  protected onSend(slot: number, res: number): void {
    const s = this.s;
    if (res < 0) {
      this.fail(slot, ioErrorKind(res));
      return;
    }
    s.sendFrom[slot]! += res;
    s.sendLeft[slot]! -= Math.min(res, s.sendLeft[slot]!);
    if (s.sendLeft[slot]! > 0) {
      // A partial send (Wine does them often): the rest goes before anything new.
      const sent = this.queue.send(slot, this.gen[slot]!, s.sendFrom[slot]!, s.sendLeft[slot]!, false);
      if (!this.issue(slot, Busy.Send, sent)) this.fail(slot, "ioOther");
      return;
    }
    this.pump(slot);
  }

  /** Commit what the mode allows, then hand the backlog to a send if none is in flight. */
  private pump(slot: number): void {
    const s = this.s;
    if (!this.draining) this.meter.sentMessages += this.pacer.commit(slot, this.now);
    if ((this.busy[slot]! & Busy.Send) !== 0 || s.backlog[slot] === 0) return;
    // No longer than a receive area, so an echo the server sends at once fits one receive.
    const chunk = Math.min(s.backlog[slot]!, this.queue.areaBytes);
    const v = s.verifiers[slot]!;
    const from = streamAt(this.queue, v.stream, v.sent);
    v.onSent(chunk, this.now);
    this.meter.sentBytes += chunk;
    s.backlog[slot]! -= chunk;
    s.sendFrom[slot] = from;
    s.sendLeft[slot] = chunk;
    // A quiet send is not marked busy: its completion comes only if it fails.
    const quiet = this.quietSends && s.backlog[slot] === 0;
    const sent = this.queue.send(slot, this.gen[slot]!, from, chunk, quiet);
    if (!this.issue(slot, quiet ? 0 : Busy.Send, sent)) this.fail(slot, "ioOther");
  }

  protected onTick(): void {
    this.timerArmed = false;
    const s = this.s;
    if (this.signals?.stopped === true) this.meter.stopAt(this.now);
    if (!this.draining && this.now >= this.meter.untilMs) this.draining = true;
    // live > open: some connection is connecting (its timeout) or closing.
    const everyTick = this.draining || this.plan.rate > 0 || this.live > this.open;
    if (!everyTick && this.now - this.lastSweepMs < STALL_SWEEP_MS) return;
    this.lastSweepMs = this.now;
    for (let slot = 0; slot < s.slots; slot++) {
      const state = this.state[slot];
      if (state === SlotState.Open) {
        if (this.judging && s.verifiers[slot]!.stalled(this.now)) this.fail(slot, "stall");
        else if (this.draining && s.verifiers[slot]!.outstanding === 0 && s.backlog[slot] === 0) this.end(slot);
        else if (this.pacer.paced(slot)) this.pump(slot);
      } else if (state === SlotState.Connecting) {
        const late = this.judging && this.now - this.startedMs[slot]! >= this.plan.connectTimeoutMs;
        if ((late || this.draining) && s.gaveUp[slot] === GaveUp.No) {
          s.gaveUp[slot] = late ? GaveUp.TimedOut : GaveUp.RunEnded;
          this.queue.abort(slot);
        }
      }
    }
  }

  private fail(slot: number, kind: ErrorKind): void {
    this.meter.error(kind, this.now);
    // A quiet send is not in `busy`, so leave() would close at once: one still in the kernel (a
    // large message's last chunk, the peer not reading) would keep the socket until the run ends.
    if (this.quietSends && this.busy[slot] === 0 && this.s.verifiers[slot]!.outstanding > 0) this.queue.abort(slot);
    this.leave(slot, SlotState.Failing);
  }

  /** A clean end: everything sent came back. */
  private end(slot: number): void {
    this.leave(slot, SlotState.Ending);
  }
}
