/**
 * What the bench's two completion loops share, the TCP one (client-loop.ts)
 * and the datagram one (udp-loop.ts): this worker's share of the
 * connections, the batch, the clock read once per wait, and the run itself:
 * connect every slot, then wait, tick the meter and hand each completion to
 * the loop until nothing is live and no timer is armed. What a completion
 * means and when the next tick is due are each loop's own.
 */
import type { ClientQueue } from "../client-queue.ts";
import { CompletionBatch, OpKind } from "../engine.ts";
import type { Meter } from "./meter.ts";
import { preparePattern } from "./payload.ts";
import { connectionsOf, type LoopPlan } from "./plan.ts";

const BATCH_CAPACITY = 256;
/** The longest a loop sleeps with work of its own to check (stalls, loss, the drain). */
export const TICK_MS = 50;

export abstract class BenchLoop {
  private readonly batch = new CompletionBatch(BATCH_CAPACITY);
  /** This worker's connections. */
  protected readonly slots: number;
  protected now = performance.now();
  protected timerArmed = false;
  protected draining = false;
  /** Connections open now (the meter's "open"). */
  protected open = 0;
  /** Connections not yet closed. */
  protected live = 0;

  constructor(
    protected readonly queue: ClientQueue,
    protected readonly plan: LoopPlan,
    protected readonly meter: Meter,
    /** Word 0 becomes 1 when the run is asked to stop (Ctrl-C): checked on each tick. */
    protected readonly stop: Int32Array | null,
  ) {
    this.slots = connectionsOf(plan.worker, plan.workers, plan.connections);
    preparePattern();
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
    for (let slot = 0; slot < this.slots; slot++) this.connect(slot);
    while (this.live > 0 || this.timerArmed) {
      if (!this.timerArmed && this.live > 0) this.armTimer();
      this.queue.wait(this.batch);
      this.now = performance.now();
      this.meter.tick(this.now, this.open);
      const b = this.batch;
      for (let i = 0; i < b.count; i++) {
        const op = b.op[i]!;
        if (op === OpKind.Timer) this.onTick();
        else if (op === OpKind.Recv || op === OpKind.Send || op === OpKind.Connect)
          this.onIo(op, b.slot[i]!, b.gen[i]!, b.res[i]!);
      }
    }
    this.meter.tick(Math.max(this.now, this.meter.untilMs), 0);
    this.finished();
    this.meter.finish();
  }

  /** Open the slot's connection. */
  protected abstract connect(slot: number): void;
  /** Arm the queue's timer for the next moment a tick has work. */
  protected abstract armTimer(): void;
  protected abstract onTick(): void;
  protected abstract onIo(op: number, slot: number, gen: number, res: number): void;
  /** Last figures for the meter, after the final interval and before its report. */
  protected finished(): void {}
}
