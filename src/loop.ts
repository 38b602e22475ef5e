/**
 * The completion loop one worker runs: wait for a batch, ask the echo step
 * what follows each completion, record it in the connection table and issue
 * it. Backend-agnostic: it talks to a WorkerQueue only, and allocates
 * nothing per message.
 */
import { ConnTable, SlotState } from "./conn-table.ts";
import { Action, EchoDecision, echoStep } from "./echo.ts";
import { Command, CompletionBatch, OpKind, type IssueResult, type WorkerQueue } from "./engine.ts";
import { ERRNO } from "./os-error.ts";
import { ReceiveSizes } from "./receive-size.ts";
import type { SlotPool } from "./slot-pool.ts";
import { Field, Phase, ThreadState, type StatsLayout, type StatsWriter } from "./stats.ts";
import { UdpEcho, type UdpFields } from "./udp-echo.ts";
import { SourceRateTable } from "./udp-policy.ts";

export interface LoopOptions {
  slots: number;
  maxConnections: number;
  /** 0: connections may stay idle for ever. */
  idleTimeoutMs: number;
  /**
   * Which slots this worker sweeps for idleness: every
   * `scanStride`-th from `scanOffset`. A private table is swept whole (0, 1);
   * a shared one is split between the workers.
   */
  scanOffset: number;
  scanStride: number;
  /** With --udp: the echo port (for the reflection filter), --udp-rate and the rate table all workers share. */
  udp?: { serverPort: number; rate: number; table: SharedArrayBuffer } | null;
}

const UDP_FIELDS: UdpFields = {
  received: Field.UdpReceived,
  echoed: Field.UdpEchoed,
  truncated: Field.UdpTruncated,
  droppedReflectionPort: Field.UdpDroppedReflectionPort,
  droppedOwnPort: Field.UdpDroppedOwnPort,
  droppedRate: Field.UdpDroppedRate,
  bytesReceived: Field.UdpBytesReceived,
  bytesSent: Field.UdpBytesSent,
  peerGone: Field.UdpPeerGone,
  errors: Field.UdpErrors,
};

const BATCH_CAPACITY = 256;
/** Accept errors in a row after which re-arming waits for the next tick. */
const ACCEPT_RETRIES_BEFORE_BACKOFF = 3;
const MAX_TICK_MS = 1000;
/**
 * While exiting, how often a worker looks again at whether everything is
 * drained. On a shared port the last completions may go to another worker,
 * so this worker cannot count on a completion of its own to wake it.
 */
const EXIT_POLL_MS = 10;
/** Silent this long, a connection's receive stops pinning its buffer (see WorkerQueue.releaseIdle). */
const RELEASE_IDLE_AFTER_MS = 1000;

export class CompletionLoop {
  private readonly batch = new CompletionBatch(BATCH_CAPACITY);
  private readonly decision = new EchoDecision();
  private readonly c: Float64Array;
  private readonly tickMs: number;
  private now = Date.now();
  private acceptFailures = 0;
  private timerArmed = false;
  private exiting = false;
  /** Exit keys meant for other workers, re-posted as this one leaves. */
  private heldExitKeys = 0;
  /** How much each slot's next receive asks for; in the table's buffer, so shared as the table is. */
  private readonly sizes: ReceiveSizes;
  private readonly udp: UdpEcho | null;

  constructor(
    private readonly queue: WorkerQueue,
    private readonly layout: StatsLayout,
    private readonly stats: StatsWriter,
    private readonly options: LoopOptions,
    private readonly table: ConnTable,
    private readonly pool: SlotPool,
  ) {
    this.c = stats.local;
    this.sizes = new ReceiveSizes(table.slots, queue.bufferBytes, table.buffer, ConnTable.receiveSizesAt(table.slots));
    const u = options.udp;
    this.udp =
      queue.udp && u
        ? new UdpEcho(queue.udp, u.serverPort, new SourceRateTable(u.table, u.rate), this.c, UDP_FIELDS)
        : null;
    this.tickMs =
      options.idleTimeoutMs > 0 ? Math.min(MAX_TICK_MS, Math.max(10, options.idleTimeoutMs / 4)) : MAX_TICK_MS;
  }

  /** Runs until the exit key has been handled and nothing is outstanding. */
  run(): void {
    const c = this.c;
    c[Field.ThreadId] = this.queue.threadId;
    this.armAccept();
    if (this.layout.phase() === Phase.Running) this.udp?.start();
    this.armTimer();
    this.stats.publish();
    while (!this.finished()) {
      this.stats.setState(ThreadState.Waiting);
      const started = performance.now();
      this.queue.wait(this.batch);
      this.now = Date.now();
      this.stats.setState(ThreadState.Running);
      c[Field.WaitSeconds]! += (performance.now() - started) / 1000;
      c[Field.Dequeues]!++;
      c[Field.Completions]! += this.batch.count;
      c[Field.LastActivity] = this.now;
      c[Field.KernelWaits] = this.queue.kernelWaits;
      c[Field.InlineCompletions] = this.queue.inlineCompletions;
      c[Field.IdleReleases] = this.queue.idleReleases;
      if (this.queue.udp) c[Field.UdpOperations] = this.queue.udp.operations;
      this.dispatch();
      // After dispatch: what this turn's receives and releases did, published now rather than a turn later.
      c[Field.ReceiveBufferBytes] = this.queue.receiveMemory.bytes;
      c[Field.BufferCalls] = this.queue.receiveMemory.calls;
      this.stats.publish();
    }
    // Re-posting a key while still looping would hand it straight back to
    // this thread (a GetQueuedCompletionStatusEx call takes a queued packet at
    // once), so other workers' keys wait here until this worker is done.
    for (; this.heldExitKeys > 0; this.heldExitKeys--) this.queue.passOn(Command.Exit);
    this.stats.publish();
    this.stats.setState(ThreadState.Exited);
  }

  private finished(): boolean {
    return this.exiting && this.drained() && !this.timerArmed;
  }

  /** No accept and no connection outstanding that this worker must wait for. */
  private drained(): boolean {
    return !this.queue.acceptPending && this.table.openCount() === 0 && (this.udp?.drained ?? true);
  }

  /**
   * The batch in order, the timer's last: a receive completed in the kernel has its bytes in
   * the buffer already, and an idle sweep that released it first made the echo zeros.
   */
  private dispatch(): void {
    const b = this.batch;
    let timer = false;
    for (let i = 0; i < b.count; i++) {
      const op = b.op[i]!;
      if (op === OpKind.Recv || op === OpKind.Send) this.onIo(b.slot[i]!, b.gen[i]!, op, b.res[i]!);
      else if (op === OpKind.Accept) this.onAccept(b.res[i]!);
      else if (op === OpKind.Timer) timer = true;
      else if (op === OpKind.UdpRecv) this.udp!.onReceive(b.slot[i]!, b.res[i]!, b.more[i]!, this.now);
      else if (op === OpKind.UdpSend) this.udp!.onSend(b.slot[i]!, b.res[i]!);
      else if (op === OpKind.Control) this.onCommand(b.res[i]!);
      // OpKind.Cancel: a cancel that found nothing to cancel; nothing to do.
    }
    if (timer) this.onTimer();
  }

  /** A recv or send completed: count it, then apply what the echo step decided. */
  private onIo(slot: number, gen: number, op: number, res: number): void {
    const t = this.table;
    const state = t.stateFor(slot, gen);
    const d = this.decision;
    if (echoStep(op, res, state, t.length[slot]!, t.sent[slot]!, d) === Action.Ignore) return;
    const c = this.c;
    t.lastActive[slot] = this.now;
    if (res > 0 && op === OpKind.Recv) {
      c[Field.BytesReceived]! += res;
      this.sizes.afterReceive(slot, res);
    } else if (res > 0) c[Field.BytesSent]! += res;
    else if (res < 0 && state !== SlotState.Closing) c[Field.Errors]!++;
    if (d.action === Action.Send) {
      t.sending(slot, d.offset, d.offset + d.count);
      this.issued(slot, this.queue.send(slot, gen, d.offset, d.count));
    } else if (d.action === Action.Recv) {
      t.receiving(slot);
      this.issued(slot, this.queue.recv(slot, gen, this.sizes.size[slot]!));
    } else {
      this.closeSlot(slot);
    }
  }

  /** Count an issued operation; one that failed at once closes its connection. */
  private issued(slot: number, result: IssueResult): void {
    this.c[Field.Operations]!++;
    if (result === "pending" || result === "completed") return;
    this.c[Field.Errors]!++;
    this.closeSlot(slot);
  }

  private closeSlot(slot: number): void {
    this.queue.close(slot);
    this.table.free(slot);
    this.pool.give(slot);
    this.stats.closeConnection();
    this.c[Field.Closed]!++;
  }

  private onAccept(res: number): void {
    if (res >= 0) {
      this.acceptFailures = 0;
      this.admit(res);
    } else if (res !== -ERRNO.ECANCELED && this.layout.phase() === Phase.Running) {
      this.acceptFailures++;
      this.c[Field.Errors]!++;
    }
    if (this.acceptFailures < ACCEPT_RETRIES_BEFORE_BACKOFF) this.armAccept();
  }

  /** A new connection: give it a slot and its first recv, or refuse it. */
  private admit(token: number): void {
    const c = this.c;
    const slot = this.exiting || this.layout.phase() !== Phase.Running ? -1 : this.takeSlot();
    if (slot < 0) {
      this.queue.refuse(token);
      c[Field.Rejected]!++;
      return;
    }
    const gen = this.table.open(slot, this.now);
    this.queue.adopt(token, slot, gen);
    c[Field.Accepted]!++;
    this.issued(slot, this.queue.recv(slot, gen, this.sizes.start(slot)));
  }

  private takeSlot(): number {
    if (!this.stats.tryOpenConnection(this.options.maxConnections)) return -1;
    const slot = this.pool.take();
    if (slot < 0) this.stats.closeConnection();
    return slot;
  }

  private armAccept(): void {
    if (this.queue.acceptPending || this.exiting || this.layout.phase() !== Phase.Running) return;
    this.queue.startAccepting();
  }

  private armTimer(ms = this.tickMs): void {
    this.queue.armTimer(ms);
    this.timerArmed = true;
  }

  private onTimer(): void {
    this.timerArmed = false;
    if (this.exiting) {
      if (!this.drained()) this.armTimer(EXIT_POLL_MS);
      return;
    }
    this.sweepIdle();
    // Accepting backed off after repeated errors (EMFILE, say): try again.
    this.acceptFailures = 0;
    this.armAccept();
    this.udp?.start(true);
    this.armTimer();
  }

  /** This worker's share of the slots: close those past the idle timeout, release the rest that are quiet. */
  private sweepIdle(): void {
    const t = this.table;
    const { scanOffset, scanStride, idleTimeoutMs } = this.options;
    const closeBefore = idleTimeoutMs > 0 ? this.now - idleTimeoutMs : -1;
    const releaseBefore = this.now - RELEASE_IDLE_AFTER_MS;
    for (let slot = scanOffset; slot < t.slots; slot += scanStride) {
      if (t.state[slot] !== SlotState.Open) continue;
      const last = t.lastActive[slot]!;
      if (last < closeBefore) {
        if (this.abortSlot(slot)) this.c[Field.IdleClosed]!++;
      } else if (last < releaseBefore && t.receivePending(slot)) {
        // Only a pending receive: a send still reads the buffer.
        this.queue.releaseIdle(slot);
      }
    }
  }

  /** Make an open slot's outstanding operation finish; its completion closes it. */
  private abortSlot(slot: number): boolean {
    if (!this.table.beginAbort(slot)) return false;
    this.queue.abort(slot);
    this.table.endAbort(slot);
    return true;
  }

  private onCommand(command: number): void {
    // Shutdown began: UDP has nothing to drain, so it stops at once.
    if (command === Command.StopUdp) this.udp?.stop();
    if (command !== Command.Exit) return;
    this.udp?.stop();
    if (this.exiting) {
      this.heldExitKeys++;
      return;
    }
    this.exiting = true;
    if (this.queue.acceptPending) this.queue.stopAccepting();
    if (this.timerArmed) this.queue.cancelTimer();
    // Every open slot, not just this worker's share: on a shared table the
    // worker that took this key may be the only one awake. beginAbort's
    // compare-and-swap keeps two workers from aborting the same slot.
    for (let slot = 0; slot < this.table.slots; slot++) {
      if (this.table.state[slot] === SlotState.Open) this.abortSlot(slot);
    }
  }
}
