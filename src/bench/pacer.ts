/**
 * What each connection may commit to send now: ping-pong keeps --pipeline
 * messages outstanding, paced by --rate's schedule when one is set (each
 * message then carries its intended time); stream keeps a window of bytes
 * unechoed, committed in eighths so the in-flight queue stays short.
 *
 * The stream window, exactly: at most W = max(256 KiB, 4 x --size) bytes
 * sent but not yet echoed per connection; whole messages are committed once
 * at least W / 8 of the window (and one message) is free, and go out in
 * sends of at most a receive area (64 KiB), one send in flight. The C load
 * client of `bun run bench` (bench/c/load-uring.c) keeps the same window,
 * so the two measure a server with the same bytes in flight.
 */
import type { ClientSlots } from "./client-slots.ts";
import type { LoopPlan } from "./plan.ts";
import { RateSchedule } from "./schedule.ts";

/** Stream mode keeps at most this many bytes (or 4 messages) unechoed per connection. */
const STREAM_WINDOW_BYTES = 256 * 1024;
/** In-flight entries per connection in stream mode: the window is committed in eighths. */
export const STREAM_COMMITS = 8;

export class Pacer {
  private readonly schedules: (RateSchedule | null)[];
  private readonly window: number;

  constructor(
    private readonly s: ClientSlots,
    private readonly plan: LoopPlan,
  ) {
    this.schedules = new Array(s.slots).fill(null);
    this.window = Math.max(STREAM_WINDOW_BYTES, 4 * plan.size);
  }

  /** The connection is open: its schedule, if paced, starts now. */
  start(slot: number, stream: number, nowMs: number): void {
    if (this.plan.rate > 0)
      this.schedules[slot] = new RateSchedule(nowMs, this.plan.rate, this.plan.connections, stream);
  }

  paced(slot: number): boolean {
    return this.schedules[slot] !== null;
  }

  /** Milliseconds until the next paced message of a connection `open` says is open, at most `limitMs`. */
  nextDueMs(nowMs: number, limitMs: number, open: (slot: number) => boolean): number {
    let soonest = limitMs;
    for (let slot = 0; slot < this.s.slots; slot++) {
      const schedule = this.schedules[slot];
      if (schedule && open(slot)) soonest = Math.min(soonest, schedule.waitMs(this.s.committed[slot]!, nowMs));
    }
    return soonest;
  }

  /** Commits what may go now; returns how many messages that was. */
  commit(slot: number, nowMs: number): number {
    const s = this.s;
    const size = this.plan.size;
    if (this.plan.mode === "stream") {
      const unechoed = s.committed[slot]! * size - s.verifiers[slot]!.received;
      const free = Math.floor((this.window - unechoed) / size);
      if (free * size < this.window / STREAM_COMMITS || s.fifoFull(slot)) return 0;
      return this.commitMessages(slot, free, nowMs);
    }
    let allowed = this.plan.pipeline - (s.committed[slot]! - s.doneMessages[slot]!);
    const schedule = this.schedules[slot];
    if (!schedule) return allowed > 0 && !s.fifoFull(slot) ? this.commitMessages(slot, allowed, nowMs) : 0;
    allowed = Math.min(allowed, schedule.dueBy(nowMs) - s.committed[slot]!);
    let committed = 0;
    for (; allowed > 0 && !s.fifoFull(slot); allowed--) {
      committed += this.commitMessages(slot, 1, schedule.intendedMs(s.committed[slot]!));
    }
    return committed;
  }

  private commitMessages(slot: number, count: number, timeMs: number): number {
    const s = this.s;
    s.push(slot, timeMs, count);
    s.committed[slot]! += count;
    s.backlog[slot]! += count * this.plan.size;
    return count;
  }
}
