/**
 * The bench's completion loop for `--udp`, one per worker: this worker's
 * share of the sockets, each a datagram socket connected to the target
 * (the queue's udp transport), keeps --pipeline sequence-numbered datagrams
 * out (datagram.ts), sent as soon as the window has room or, with --rate,
 * as each falls due on the schedule the TCP loop uses (latency then counts
 * from when it was due), checks every echo byte for byte, and counts in its
 * DatagramTracker what came back on time, late, twice, out of order or not
 * at all. The TCP loop (client-loop.ts) is a different machine: a byte
 * stream has no loss to wait for, and a datagram has no partial send.
 *
 * A socket stays open for one loss timeout after its last send, so that the
 * last datagrams are either echoed or lost, and a duplicate of an echo
 * already seen is still counted: the counts add up (sent = received + lost).
 * A wrong echo is counted by kind and the socket goes on: each datagram
 * stands alone. A socket ends on an error of its own (the target's port
 * unreachable: "refused").
 */
import type { ClientQueue } from "../client-queue.ts";
import { ERRNO } from "../os-error.ts";
import { BenchLoop, Busy, SlotState, TICK_MS } from "./bench-loop.ts";
import { checkDatagram, HEADER_BYTES, readSeq, writeDatagram } from "./datagram.ts";
import { DatagramTracker, Echo, jitterSum, udpTotals } from "./datagram-tracker.ts";
import { connectErrorKind, datagramErrorKind, type ErrorKind } from "./errors.ts";
import type { Meter } from "./meter.ts";
import type { LoopPlan, RunSignals } from "./plan.ts";
import { RateSchedule } from "./schedule.ts";

export class UdpClientLoop extends BenchLoop {
  private readonly trackers: DatagramTracker[];
  /** --rate's schedule per socket, from when it opened; null in a closed loop. */
  private readonly schedules: (RateSchedule | null)[];
  /** Wrong echoes (any kind), for the totals. */
  private wrong = 0;

  constructor(queue: ClientQueue, plan: LoopPlan, meter: Meter, signals: RunSignals | null = null) {
    super(queue, plan, meter, signals);
    this.trackers = Array.from({ length: this.slots }, () => new DatagramTracker(plan.pipeline));
    this.schedules = new Array(this.slots).fill(null);
    meter.jitter = () => jitterSum(this.trackers);
  }

  protected override finished(): void {
    this.meter.udp = udpTotals(this.trackers, this.wrong);
  }

  /** The next tick: the next interval boundary, loss deadline, paced send or (draining) end of a socket's linger. */
  protected armTimer(): void {
    let due = Math.min(this.now + TICK_MS, this.meter.nextBoundaryMs());
    const timeout = this.plan.lossTimeoutMs;
    for (let slot = 0; slot < this.slots; slot++) {
      if (this.state[slot] !== SlotState.Open) continue;
      const t = this.trackers[slot]!;
      due = Math.min(due, t.nextLossMs(timeout), this.draining ? t.lastSentMs + timeout : due);
      const schedule = this.schedules[slot];
      if (schedule && !this.draining && t.canSend()) due = Math.min(due, schedule.intendedMs(t.next));
    }
    this.queue.armTimer(Math.max(1, Math.ceil(due - this.now)));
    this.timerArmed = true;
  }

  protected onConnect(slot: number, res: number): void {
    if (res < 0 || this.draining) {
      if (res < 0) this.meter.error(connectErrorKind(res), this.now);
      this.finish(slot);
      return;
    }
    this.meter.connected(this.now - this.startedMs[slot]!);
    this.state[slot] = SlotState.Open;
    this.open++;
    if (this.plan.rate > 0)
      this.schedules[slot] = new RateSchedule(this.now, this.plan.rate, this.plan.connections, this.stream(slot));
    if (!this.issue(slot, Busy.Recv, this.queue.recv(slot, this.gen[slot]!, false))) this.fail(slot, "ioOther");
    else this.pump(slot);
  }

  protected onRecv(slot: number, res: number, entry: number): void {
    if (res < 0 && -res !== ERRNO.EMSGSIZE) {
      this.fail(slot, datagramErrorKind(res));
      return;
    }
    const t = this.trackers[slot]!;
    const memory = this.queue.memory;
    const at = this.queue.receivedAt(entry, slot);
    // EMSGSIZE: longer than the receive area (Windows says so; Linux cuts it, and it is longer than --size).
    const fault =
      res < 0 ? "extra" : checkDatagram(this.stream(slot), this.plan.connections, this.plan.size, memory, at, res);
    if (fault === null) {
      const outcome = t.echo(readSeq(memory, at), this.now, this.meter.measuring(this.now));
      if (outcome === Echo.OnTime) {
        this.meter.messages(1, t.latencyMs, this.now);
        this.meter.bytes(res, this.now);
      } else if (outcome === Echo.Duplicate) this.meter.error("duplicate", this.now);
      else if (outcome === Echo.Unknown) this.wrongEcho("corrupt");
    } else {
      this.wrongEcho(fault);
      // A damaged echo of ours came back after all: its datagram is not also lost.
      // (EMSGSIZE: Windows filled the area with the datagram's start, header included.)
      if (fault !== "crosstalk" && (res < 0 || res >= HEADER_BYTES)) t.settle(readSeq(memory, at));
    }
    if (!this.issue(slot, Busy.Recv, this.queue.recv(slot, this.gen[slot]!, false))) this.fail(slot, "ioOther");
    else this.pump(slot);
  }

  private wrongEcho(kind: ErrorKind): void {
    this.wrong++;
    this.meter.error(kind, this.now);
  }

  protected onSend(slot: number, res: number): void {
    if (res < 0) this.fail(slot, datagramErrorKind(res));
    else if (res !== this.plan.size) this.fail(slot, "ioOther");
    else this.pump(slot);
  }

  /** Sends the next datagram when the window has room, no send is in flight and (paced) it is due. */
  private pump(slot: number): void {
    const t = this.trackers[slot]!;
    if (this.draining || (this.busy[slot]! & Busy.Send) !== 0 || !t.canSend()) return;
    const schedule = this.schedules[slot];
    if (schedule && schedule.dueBy(this.now) <= t.next) return;
    const seq = t.send(this.now, schedule ? schedule.intendedMs(t.next) : this.now);
    writeDatagram(this.stream(slot), seq, this.plan.size, this.queue.memory, this.queue.sendAt(slot));
    this.meter.sentMessages++;
    this.meter.sentBytes += this.plan.size;
    if (
      !this.issue(
        slot,
        Busy.Send,
        this.queue.send(slot, this.gen[slot]!, this.queue.sendAt(slot), this.plan.size, false),
      )
    )
      this.fail(slot, "ioOther");
  }

  protected onTick(): void {
    this.timerArmed = false;
    if (this.signals?.stopped === true) this.meter.stopAt(this.now);
    if (!this.draining && this.now >= this.meter.untilMs) this.draining = true;
    const timeout = this.plan.lossTimeoutMs;
    for (let slot = 0; slot < this.slots; slot++) {
      if (this.state[slot] !== SlotState.Open) continue;
      const t = this.trackers[slot]!;
      // After a pause (BenchLoop.judging) the echoes that came meanwhile are read before any is lost.
      const lost = this.judging ? t.expire(this.now, timeout) : 0;
      for (let i = 0; i < lost; i++) this.meter.error("lost", this.now);
      if (this.draining && this.judging && this.now >= t.lastSentMs + timeout) this.leave(slot, SlotState.Ending);
      else this.pump(slot);
    }
  }

  private fail(slot: number, kind: ErrorKind): void {
    this.meter.error(kind, this.now);
    this.leave(slot, SlotState.Failing);
  }

  /** Datagrams of a socket that closes while they are still out are lost. */
  protected override closing(slot: number): void {
    const lost = this.trackers[slot]!.expire(Number.POSITIVE_INFINITY, 0);
    for (let i = 0; i < lost; i++) this.meter.error("lost", this.now);
  }
}
