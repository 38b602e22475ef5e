/**
 * A WorkerQueue that plays back scripted completions and records what the
 * loop asked for: the third implementation of the engine contract, for
 * testing the loop without sockets.
 */
import { type CompletionBatch, type IssueResult, OpKind, type WorkerQueue } from "../../src/engine.ts";
import { ERRNO, type OsError } from "../../src/os-error.ts";

export type Completion = [op: number, slot: number, gen: number, res: number, more?: number];

export class FakeQueue implements WorkerQueue {
  readonly threadId = 4242;
  readonly handle = 0;
  readonly bufferBytes = 65_536;
  readonly udp = null;
  readonly calls: string[] = [];
  acceptArmed = false;
  kernelWaits = 0;
  readonly inlineCompletions = 0;
  readonly idleReleases = 0;
  readonly receiveMemory = { bytes: 0, calls: 0 };
  releaseIdle(slot: number): void {
    this.calls.push(`release ${slot}`);
  }
  private timer = false;
  private cancelledTimer = false;
  private readonly script: Completion[][];
  /**
   * Accept tokens whose socket the OS refuses to set up. As on IOCP (see
   * WorkerQueue.adopt), the slot's first operation then fails at once with
   * that error.
   */
  readonly failingSetups = new Map<number, OsError>();
  private readonly failedSlots = new Map<number, OsError>();

  constructor(
    script: Completion[][],
    private readonly onWait: () => void = () => {},
  ) {
    this.script = [...script];
  }

  get acceptPending(): boolean {
    return this.acceptArmed;
  }
  startAccepting(): IssueResult {
    this.acceptArmed = true;
    this.calls.push("startAccepting");
    return "pending";
  }
  stopAccepting(): void {
    this.calls.push("stopAccepting");
    this.script.push([[OpKind.Accept, 0, 0, -ERRNO.ECANCELED, 0]]);
  }
  passOn(command: number): void {
    this.calls.push(`passOn ${command}`);
  }
  adopt(token: number, slot: number, gen: number): void {
    this.calls.push(`adopt ${token} -> ${slot}@${gen}`);
    const error = this.failingSetups.get(token);
    if (error !== undefined) this.failedSlots.set(slot, error);
  }
  refuse(token: number): void {
    this.calls.push(`refuse ${token}`);
  }
  recv(slot: number, _gen: number, length: number): IssueResult {
    this.calls.push(`recv ${slot} ${length}`);
    const error = this.failedSlots.get(slot);
    this.failedSlots.delete(slot);
    return error ?? "pending";
  }
  send(slot: number, _gen: number, offset: number, length: number): IssueResult {
    this.calls.push(`send ${slot} [${offset}, +${length}]`);
    return "pending";
  }
  abort(slot: number): void {
    this.calls.push(`abort ${slot}`);
  }
  close(slot: number): void {
    this.calls.push(`close ${slot}`);
  }
  armTimer(): void {
    this.timer = true;
  }
  cancelTimer(): void {
    if (this.timer) this.cancelledTimer = true;
    this.timer = false;
  }
  wait(batch: CompletionBatch): void {
    this.onWait();
    batch.count = 0;
    if (this.cancelledTimer) {
      this.cancelledTimer = false;
      batch.push(OpKind.Timer, 0, 0, -ERRNO.ECANCELED, 0);
    }
    const next = this.script.shift();
    if (next === undefined && batch.count === 0) {
      // Nothing scripted is left: an armed timer expires, else the loop would wait for ever.
      if (!this.timer) throw new Error(`script ran out; calls so far: ${this.calls.join("; ")}`);
      this.timer = false;
      batch.push(OpKind.Timer, 0, 0, -ERRNO.ETIME, 0);
      return;
    }
    for (const [op, slot, gen, res, more = 0] of next ?? []) {
      if (op === OpKind.Accept && more === 0) this.acceptArmed = false;
      batch.push(op, slot, gen, res, more);
    }
  }
  dispose(): void {}
}
