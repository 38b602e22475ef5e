/**
 * What the bench's two completion loops share, the TCP one (client-loop.ts)
 * and the datagram one (udp-loop.ts): this worker's share of the
 * connections, the batch, the clock read once per wait, and the run itself:
 * connect every slot, then wait, tick the meter and hand each completion to
 * the loop until nothing is live and no timer is armed. Once every connect
 * has completed it says so (Meter.settled), and the main thread answers with
 * the measured span when all workers have. What a completion means and when
 * the next tick is due are each loop's own.
 */
import type { ClientQueue } from "../client-queue.ts";
import { CompletionBatch, type IssueResult, OpKind } from "../engine.ts";
import { connectErrorKind } from "./errors.ts";
import type { Meter } from "./meter.ts";
import { preparePattern } from "./payload.ts";
import { connectionsOf, type LoopPlan, type RunSignals } from "./plan.ts";

const BATCH_CAPACITY = 256;
/** Where a connection is in its life; Failing and Ending close it once nothing of it is outstanding. */
export const SlotState = { Idle: 0, Connecting: 1, Open: 2, Failing: 3, Ending: 4, Done: 5 } as const;
/** Bits of a connection's outstanding operations. */
export const Busy = { Recv: 1, Send: 2, Connect: 4 } as const;
/** The longest a loop sleeps with work of its own to check (stalls, loss, the drain). */
export const TICK_MS = 50;
/**
 * While connections are live the timer is always armed, so turns of the
 * loop come at least every TICK_MS. A gap this long between two turns means
 * this thread did not run, or did not look: the machine paused it (a VM's
 * host, a stopped process, a laptop asleep), and likely the target with it.
 * Its own absence is no evidence that the target stalled, lost a datagram
 * or never answered a connect, so after such a gap the loop judges none of
 * those until it has run for GRACE_MS again, time for whatever the target
 * answers meanwhile to arrive. (A run whose whole machine stopped for a
 * second reported hundreds of healthy connections as stalled.)
 */
const PAUSE_MS = 250;
const GRACE_MS = 250;

export abstract class BenchLoop {
  private readonly batch = new CompletionBatch(BATCH_CAPACITY);
  /** This worker's connections. */
  protected readonly slots: number;
  protected now = performance.now();
  protected timerArmed = false;
  protected draining = false;
  /** Until then the loop judges no timeout: it came back from a pause (PAUSE_MS). */
  private judgeFromMs = 0;
  /** When the last turn of the loop began (performance.now()), to tell a pause of the client's own. */
  private previousMs = 0;
  /** Connections open now (the meter's "open"). */
  protected open = 0;
  /** Connections not yet closed. */
  protected live = 0;
  /** Connects not yet completed (connected or failed). */
  private unsettled = 0;
  /** Per connection: a SlotState, its generation (completions of an earlier one are stale), Busy bits, when its connect began. */
  protected readonly state: Uint8Array;
  protected readonly gen: Uint32Array;
  protected readonly busy: Uint8Array;
  protected readonly startedMs: Float64Array;

  constructor(
    protected readonly queue: ClientQueue,
    protected readonly plan: LoopPlan,
    protected readonly meter: Meter,
    /**
     * What the main thread says while the loop runs: stop (checked on each
     * tick), and the measured span (looked for on each turn until it comes).
     * Null in tests, whose meter has begun before the loop runs.
     */
    protected readonly signals: RunSignals | null,
  ) {
    this.slots = connectionsOf(plan.worker, plan.workers, plan.connections);
    this.state = new Uint8Array(this.slots);
    this.gen = new Uint32Array(this.slots);
    this.busy = new Uint8Array(this.slots);
    this.startedMs = new Float64Array(this.slots);
    preparePattern();
  }

  /** Whether the loop may judge timeouts now: it has not just come back from a pause. */
  protected get judging(): boolean {
    return this.now >= this.judgeFromMs;
  }

  /** The run's stream number of a slot: its connection index over all workers. */
  protected stream(slot: number): number {
    return this.plan.worker + slot * this.plan.workers;
  }

  /**
   * Runs until every connection is closed. A run whose connections all end
   * early (refused, or failed) reports its remaining intervals at once.
   */
  run(): void {
    this.unsettled = this.slots;
    if (this.slots === 0) this.meter.settled();
    for (let slot = 0; slot < this.slots; slot++) this.connect(slot);
    this.previousMs = performance.now();
    while (this.live > 0 || this.timerArmed) this.turn();
    // Every connection ended before measuring began (a target that refused them all): it begins all the same.
    if (!this.meter.begun && this.signals !== null) {
      const span = this.signals.awaitSpan();
      this.meter.begin(span, performance.now(), Date.now());
    }
    this.meter.tick(Math.max(this.now, this.meter.untilMs), 0);
    this.finished();
    this.meter.finish();
  }

  /**
   * One turn of the loop: wait for a batch of completions and handle it.
   * A method of its own rather than the body of run's loop: JSC counts a
   * call as many loop iterations on the way to its optimizing compilers, so
   * this reaches FTL by the end of the warmup (-i 0.25, 3 runs: before the
   * first progress line). As run's loop body it reached FTL through OSR
   * entry 0.3-1.5 s into the measured time, twice in 2 of 3 runs, for
   * 11-31 ms each, on the client's core. run's own loop now compiles in
   * 1-2 ms (turn is too big for JSC to inline into it).
   */
  private turn(): void {
    if (!this.timerArmed && this.live > 0) this.armTimer();
    this.queue.wait(this.batch);
    this.now = performance.now();
    if (this.now - this.previousMs > PAUSE_MS) this.judgeFromMs = this.now + GRACE_MS;
    this.previousMs = this.now;
    if (!this.meter.begun && this.signals !== null) this.lookForSpan();
    this.meter.tick(this.now, this.open);
    const b = this.batch;
    let tick = false;
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i]!;
      if (op === OpKind.Timer) tick = true;
      else if (op === OpKind.Recv || op === OpKind.Send || op === OpKind.Connect) this.onIo(b, i, op);
    }
    // After the batch's echoes: a tick judges stalls and losses on what has come back.
    if (tick) this.onTick();
  }

  /**
   * The batch's entry `i`, an I/O completion: stale ones (an earlier
   * connection of the slot) are dropped; a receive or send counts only
   * while the connection is open; a connection that is leaving closes once
   * its last operation is back. A receive that stays armed (`more`) stays
   * outstanding.
   */
  private onIo(b: CompletionBatch, i: number, op: number): void {
    const slot = b.slot[i]!;
    const res = b.res[i]!;
    if (this.gen[slot] !== b.gen[i]) return;
    if (op === OpKind.Connect) {
      this.busy[slot]! &= ~Busy.Connect;
      this.onConnect(slot, res);
      this.settle();
    } else if (op === OpKind.Recv) {
      if (b.more[i] === 0) this.busy[slot]! &= ~Busy.Recv;
      if (this.state[slot] === SlotState.Open) this.onRecv(slot, res, i);
    } else {
      this.busy[slot]! &= ~Busy.Send;
      if (this.state[slot] === SlotState.Open) this.onSend(slot, res);
    }
    this.closeIfLeft(slot);
  }

  /** Open the slot's connection. */
  private connect(slot: number): void {
    this.state[slot] = SlotState.Connecting;
    this.startedMs[slot] = this.now;
    this.meter.attempted++;
    this.live++;
    const result = this.queue.connect(slot, this.gen[slot]!);
    if (!this.issue(slot, Busy.Connect, result)) {
      // ConnectEx fails at once where there is no route (WSAENETUNREACH): that is the kind, as if it had completed.
      this.meter.error(connectErrorKind(result.res), this.now);
      this.finish(slot);
      this.settle();
    }
  }

  /** A connect completed; after the last, the main thread is told. */
  private settle(): void {
    if (--this.unsettled === 0) this.meter.settled();
  }

  /** Until the meter begins: whether the main thread has set the measured span. */
  private lookForSpan(): void {
    const span = this.signals!.span;
    if (span !== null) this.meter.begin(span, this.now, Date.now());
  }

  /** Issues went out: mark them; a synchronous failure queues no completion. */
  protected issue(slot: number, bit: number, result: IssueResult): result is "pending" | "completed" {
    if (result !== "pending" && result !== "completed") return false;
    this.busy[slot]! |= bit;
    return true;
  }

  /**
   * The connection stops (Failing or Ending): its outstanding operations
   * are made to finish, and it closes once the last has.
   */
  protected leave(slot: number, state: number): void {
    if (this.state[slot] === SlotState.Open) this.open--;
    this.state[slot] = state;
    if (this.busy[slot] !== 0) this.queue.abort(slot);
    else this.finish(slot);
  }

  /** After a completion: a connection that is leaving closes when nothing of it is outstanding any more. */
  private closeIfLeft(slot: number): void {
    const state = this.state[slot];
    if ((state === SlotState.Failing || state === SlotState.Ending) && this.busy[slot] === 0) this.finish(slot);
  }

  /** Close the slot's connection now (nothing of it outstanding) and count it gone; once only. */
  protected finish(slot: number): void {
    if (this.state[slot] === SlotState.Done) return;
    if (this.state[slot] === SlotState.Open) this.open--;
    this.closing(slot);
    this.queue.close(slot);
    this.state[slot] = SlotState.Done;
    this.gen[slot]!++;
    this.live--;
  }

  /** What the loop counts as a connection closes, before its socket goes. */
  protected closing(_slot: number): void {}
  /** Arm the queue's timer for the next moment a tick has work. */
  protected abstract armTimer(): void;
  protected abstract onTick(): void;
  /** A connect completed (`res` 0 or a negative errno). */
  protected abstract onConnect(slot: number, res: number): void;
  /**
   * A receive or a send of an open connection completed: bytes, 0 (receive:
   * the peer closed) or a negative errno. A receive's bytes are at
   * `queue.receivedAt(entry, slot)`; its Busy.Recv bit is still set when it
   * stays armed.
   */
  protected abstract onRecv(slot: number, res: number, entry: number): void;
  protected abstract onSend(slot: number, res: number): void;
  /** Last figures for the meter, after the final interval and before its report. */
  protected finished(): void {}
}
