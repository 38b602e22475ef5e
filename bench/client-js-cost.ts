/**
 * What the bench client's own code costs per message, with no kernel in the
 * way: the TCP client loop (src/bench/client-loop.ts) runs on one thread
 * against a queue that echoes at once (LoopbackQueue). Every echo is checked
 * with the real native compare (libc memcmp), and every SQE is prepared as
 * io_uring's queue prepares it, into an SQE array that is never submitted.
 * What is left out is the io_uring_enter call, reading CQEs, and the
 * kernel's work, which both clients pay alike; what is added is the fake
 * queue's own bookkeeping (its `send`, `deliver` and `wait`, about a quarter
 * of the figure).
 *
 * The figure is the thread's CPU time per message over the measured
 * seconds. It still moves with the host: on the shared 2-core VMs here the
 * same build read anywhere from 350 to 800 ns within minutes. So compare two
 * builds by running them alternately, several short rounds each, and take
 * each one's lowest figure; or profile one with bench/jit-profile.ts, which
 * names the functions and instructions the time goes to.
 *
 *   bun bench/client-js-cost.ts [--connections 50] [--size 64] [--seconds 3] [--mode pingpong|stream] [--rounds 3]
 *
 * Linux only (the compare and the memory are libc's).
 */
import { parseArgs } from "node:util";
import { ClientLoop } from "../src/bench/client-loop.ts";
import { Meter } from "../src/bench/meter.ts";
import { PATTERN_COPY_BYTES } from "../src/bench/payload.ts";
import type { LoopPlan } from "../src/bench/plan.ts";
import type { BenchWorkerReport } from "../src/bench/protocol.ts";
import type { ClientQueue } from "../src/client-queue.ts";
import { type CompletionBatch, type IssueResult, OpKind } from "../src/engine.ts";
import { SQE_WORD } from "../src/ffi/linux/io-uring-abi.ts";
import { allocateNative, libc, type NativeMemory, unmapMemory } from "../src/ffi/linux/libc.ts";
import { prepRecv, prepSend, prepTimeout, type SqeSink, userLo, zeroSqe } from "../src/ffi/linux/sqe.ts";

const SQ_ENTRIES = 1024;

/** An SQE array that is written as the ring's is and never handed to a kernel. */
class DiscardedSqes implements SqeSink {
  readonly sqeWords = new Uint32Array(SQ_ENTRIES * SQE_WORD.WORDS);
  private readonly sqeDoubles = new Float64Array(this.sqeWords.buffer);
  private tail = 0;

  nextSqe(): number {
    const w = (this.tail++ % SQ_ENTRIES) * SQE_WORD.WORDS;
    zeroSqe(this.sqeDoubles, w);
    return w;
  }
}

/** Echoes waiting per connection, at most: more than a stream window holds in sends. */
const ECHOES = 64;

/**
 * A ClientQueue whose server echoes at once, in full, and copies nothing: a
 * send's bytes are already the pattern's, so its echo is received where it
 * was sent from (`receiveAt` says so), and the native compare checks them
 * there. A receive takes the oldest echo waiting, as one TCP receive of a
 * server that answers each send with one send would.
 */
class LoopbackQueue implements ClientQueue {
  readonly threadId = 0;
  readonly quietSends = true;
  readonly memory: Uint8Array;
  readonly patternAt: number;
  private readonly slab: NativeMemory;
  private readonly sqes = new DiscardedSqes();
  /** Per slot: the generation of a pending receive plus one (0: none), and where its last one was received. */
  private readonly recvGen: Uint32Array;
  private readonly lastEchoAt: Float64Array;
  /** Per slot, a ring of ECHOES echoes waiting: where each lies, and its length. */
  private readonly echoAt: Float64Array;
  private readonly echoBytes: Uint32Array;
  private readonly echoHead: Uint32Array;
  private readonly echoCount: Uint32Array;
  /** Completions to hand out at the next wait: entries head .. head + ready - 1 of a ring of `most`. */
  private readonly readyOp: Uint8Array;
  private readonly readySlot: Uint32Array;
  private readonly readyGen: Uint32Array;
  private readonly readyRes: Int32Array;
  private readonly most: number;
  private head = 0;
  private ready = 0;
  private timerAtMs = -1;

  constructor(
    slots: number,
    readonly areaBytes: number,
  ) {
    this.patternAt = slots * 2 * areaBytes;
    this.slab = allocateNative(this.patternAt + PATTERN_COPY_BYTES);
    this.memory = new Uint8Array(this.slab.bytes);
    this.recvGen = new Uint32Array(slots);
    this.lastEchoAt = new Float64Array(slots);
    this.echoAt = new Float64Array(slots * ECHOES);
    this.echoBytes = new Uint32Array(slots * ECHOES);
    this.echoHead = new Uint32Array(slots);
    this.echoCount = new Uint32Array(slots);
    this.most = (ECHOES + 3) * slots + 1;
    this.readyOp = new Uint8Array(this.most);
    this.readySlot = new Uint32Array(this.most);
    this.readyGen = new Uint32Array(this.most);
    this.readyRes = new Int32Array(this.most);
  }

  private post(op: number, slot: number, gen: number, res: number): void {
    const i = (this.head + this.ready++) % this.most;
    this.readyOp[i] = op;
    this.readySlot[i] = slot;
    this.readyGen[i] = gen;
    this.readyRes[i] = res;
  }

  connect(slot: number, gen: number): IssueResult {
    this.post(OpKind.Connect, slot, gen, 0);
    return "pending";
  }

  recv(slot: number, gen: number, nothingSent: boolean): IssueResult {
    prepRecv(this.sqes, slot, this.receiveAt(slot), this.areaBytes, userLo(slot, OpKind.Recv), gen, nothingSent);
    this.recvGen[slot] = gen + 1;
    this.deliver(slot);
    return "pending";
  }

  send(slot: number, gen: number, at: number, length: number, quiet: boolean): IssueResult {
    prepSend(this.sqes, slot, at, length, 0, userLo(slot, OpKind.Send), gen);
    if (this.echoCount[slot] === ECHOES) throw new Error(`more than ${ECHOES} echoes waiting on one connection`);
    const i = slot * ECHOES + ((this.echoHead[slot]! + this.echoCount[slot]!++) % ECHOES);
    this.echoAt[i] = at;
    this.echoBytes[i] = length;
    if (!quiet) this.post(OpKind.Send, slot, gen, length);
    this.deliver(slot);
    return "pending";
  }

  /** A pending receive completes with the oldest echo waiting. */
  private deliver(slot: number): void {
    const gen = this.recvGen[slot]!;
    if (gen === 0 || this.echoCount[slot] === 0) return;
    const i = slot * ECHOES + this.echoHead[slot]!;
    this.lastEchoAt[slot] = this.echoAt[i]!;
    this.post(OpKind.Recv, slot, gen - 1, this.echoBytes[i]!);
    this.echoHead[slot] = (this.echoHead[slot]! + 1) % ECHOES;
    this.echoCount[slot]!--;
    this.recvGen[slot] = 0;
  }

  same(a: number, b: number, length: number): boolean {
    return libc.memcmp(this.slab.address + a, this.slab.address + b, length) === 0;
  }

  /** Where the slot's last receive was received: its echo's bytes, in the pattern. */
  receiveAt(slot: number): number {
    return this.lastEchoAt[slot]!;
  }

  readonly multishotReceives = false;

  receivedAt(_entry: number, slot: number): number {
    return this.receiveAt(slot);
  }

  sendAt(slot: number): number {
    return (slot * 2 + 1) * this.areaBytes;
  }

  abort(slot: number): void {
    const gen = this.recvGen[slot]!;
    if (gen !== 0) this.post(OpKind.Recv, slot, gen - 1, 0);
    this.recvGen[slot] = 0;
  }

  close(): void {}

  armTimer(ms: number): void {
    prepTimeout(this.sqes, 0, userLo(0, OpKind.Timer), 0);
    this.timerAtMs = performance.now() + ms;
  }

  cancelTimer(): void {
    this.timerAtMs = -1;
  }

  wait(batch: CompletionBatch): void {
    batch.count = 0;
    if (this.timerAtMs >= 0 && (this.ready === 0 || performance.now() >= this.timerAtMs)) {
      Bun.sleepSync(Math.max(0, this.timerAtMs - performance.now()));
      this.timerAtMs = -1;
      batch.push(OpKind.Timer, 0, 0, -62, 0);
    }
    const n = Math.min(this.ready, batch.capacity - batch.count);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) % this.most;
      batch.push(this.readyOp[i]!, this.readySlot[i]!, this.readyGen[i]!, this.readyRes[i]!, 0);
    }
    this.head = (this.head + n) % this.most;
    this.ready -= n;
  }

  dispose(): void {
    unmapMemory(this.slab);
  }
}

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "50" },
    size: { type: "string", default: "64" },
    seconds: { type: "string", default: "3" },
    mode: { type: "string", default: "pingpong" },
    rounds: { type: "string", default: "3" },
  },
});
const wholeNumber = (name: "connections" | "size" | "seconds" | "rounds"): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} is a whole number from 1, not ${values[name]}`);
  return n;
};
const connections = wholeNumber("connections");
const size = wholeNumber("size");
if (values.mode !== "pingpong" && values.mode !== "stream")
  throw new Error(`--mode is pingpong or stream, not ${values.mode}`);
const mode = values.mode;
const plan: LoopPlan = {
  worker: 0,
  workers: 1,
  connections,
  mode,
  size,
  pipeline: 1,
  rate: 0,
  connectTimeoutMs: 1000,
  udp: false,
  lossTimeoutMs: 1000,
};
const area = mode === "stream" ? 65_536 : Math.max(4096, Math.ceil(size / 4096) * 4096);

for (let round = 1; round <= wholeNumber("rounds"); round++) {
  const queue = new LoopbackQueue(connections, area);
  let messages = 0;
  let first: NodeJS.CpuUsage | null = null;
  let last: NodeJS.CpuUsage | null = null;
  const post = (r: BenchWorkerReport) => {
    if (r.type !== "interval") return;
    // The first interval is JSC compiling the loop; the figure is the intervals after it.
    if (first === null) first = process.threadCpuUsage();
    else {
      messages += r.counts.messages;
      last = process.threadCpuUsage();
    }
  };
  const start = Date.now();
  const meter = new Meter({ worker: 0, intervalMs: 1000 }, post);
  const untilEpochMs = start + (wholeNumber("seconds") + 1) * 1000;
  meter.begin({ fromEpochMs: start, untilEpochMs }, performance.now(), start);
  new ClientLoop(queue, plan, meter, null).run();
  queue.dispose();
  if (first === null || last === null || messages === 0) throw new Error("no measured interval");
  const { user, system } = last as NodeJS.CpuUsage;
  const a = first as NodeJS.CpuUsage;
  const ns = ((user - a.user + (system - a.system)) * 1000) / messages;
  console.log(
    `round ${round}: ${mode} ${connections} x ${size} B: ${ns.toFixed(0)} ns of CPU per message (${messages} messages)`,
  );
}
