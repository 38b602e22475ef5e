/**
 * Shared counters: one SharedArrayBuffer, read by the admin API without a
 * message round trip to any worker.
 *
 * Layout:
 *   Int32 words 0..15   process-wide cells (Atomics, several writers):
 *                       ACTIVE connections, PEAK, PHASE of the lifecycle
 *   Int32 words 16..    one sequence word per worker (a seqlock), then one
 *                       state word per worker (waiting/running/exited),
 *                       stored on its own so a state change costs one store
 *   Float64 rows        one row of counters per worker (its cells: Field, from
 *                       the declarations in stats-fields.ts), written only by
 *                       that worker, inside its seqlock
 *
 * A worker counts in a private Float64Array and publishes the row once per
 * loop turn, after handling a batch: the sequence goes odd, the row is
 * copied, the sequence goes even.
 * A reader retries while the sequence is odd or moved, so it never sees half
 * a row. Float64 holds exact integers up to 2^53 (8 PiB of bytes).
 */

import { buildSnapshot, FIELD_COUNT, Field, type StatsSnapshot } from "./stats-fields.ts";

export { Field, type StatsSnapshot } from "./stats-fields.ts";

export const Global = { Active: 0, Peak: 1, Phase: 2 } as const;
const GLOBAL_WORDS = 16;

/** Lifecycle phase in Global.Phase. */
export const Phase = { Running: 0, Draining: 1, Exiting: 2 } as const;

/** How long a reader waits for a writer stuck mid-publish before giving up. */
const READ_SETTLE_MS = 1000;

export const ThreadState = { Starting: 0, Waiting: 1, Running: 2, Exited: 3 } as const;
const STATE_NAMES = ["starting", "waiting", "running", "exited"] as const;
export type ThreadStateName = (typeof STATE_NAMES)[number];

const rowsOffset = (workers: number) => Math.ceil(((GLOBAL_WORDS + 2 * workers) * 4) / 8) * 8;

export class StatsLayout {
  readonly global: Int32Array;
  readonly seq: Int32Array;
  readonly states: Int32Array;
  readonly rows: Float64Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly workers: number,
  ) {
    this.global = new Int32Array(buffer, 0, GLOBAL_WORDS + 2 * workers);
    this.seq = this.global.subarray(GLOBAL_WORDS, GLOBAL_WORDS + workers);
    this.states = this.global.subarray(GLOBAL_WORDS + workers);
    this.rows = new Float64Array(buffer, rowsOffset(workers), workers * FIELD_COUNT);
  }

  static create(workers: number): StatsLayout {
    return new StatsLayout(new SharedArrayBuffer(rowsOffset(workers) + workers * FIELD_COUNT * 8), workers);
  }

  /**
   * A consistent copy of worker `index`'s row; never half of one. A writer
   * preempted mid-publish holds readers up until it runs again, so the bound
   * is in time, not attempts.
   */
  readRow(index: number, out = new Float64Array(FIELD_COUNT)): Float64Array {
    const base = index * FIELD_COUNT;
    let deadline = 0;
    for (let attempt = 1; ; attempt++) {
      const before = Atomics.load(this.seq, index);
      if ((before & 1) === 0) {
        for (let f = 0; f < FIELD_COUNT; f++) out[f] = this.rows[base + f]!;
        if (Atomics.load(this.seq, index) === before) return out;
      }
      if ((attempt & 0xfff) === 0) {
        const now = performance.now();
        if (deadline === 0) deadline = now + READ_SETTLE_MS;
        else if (now > deadline) throw new Error(`stats row ${index} did not settle within ${READ_SETTLE_MS} ms`);
      }
    }
  }

  phase(): number {
    return Atomics.load(this.global, Global.Phase);
  }

  setPhase(phase: number): void {
    Atomics.store(this.global, Global.Phase, phase);
  }

  active(): number {
    return Atomics.load(this.global, Global.Active);
  }
}

/** The worker side: count privately, publish once per loop turn. */
export class StatsWriter {
  readonly local = new Float64Array(FIELD_COUNT);
  private readonly base: number;

  constructor(
    private readonly layout: StatsLayout,
    private readonly index: number,
  ) {
    this.base = index * FIELD_COUNT;
  }

  /** Waiting, running or exited: visible to /threads at once. */
  setState(state: number): void {
    Atomics.store(this.layout.states, this.index, state);
  }

  publish(): void {
    const { seq, rows } = this.layout;
    Atomics.add(seq, this.index, 1);
    for (let f = 0; f < FIELD_COUNT; f++) rows[this.base + f] = this.local[f]!;
    Atomics.add(seq, this.index, 1);
  }

  /** Count a new connection against the process-wide limit. */
  tryOpenConnection(max: number): boolean {
    const g = this.layout.global;
    const now = Atomics.add(g, Global.Active, 1) + 1;
    if (now > max) {
      Atomics.sub(g, Global.Active, 1);
      return false;
    }
    for (let peak = Atomics.load(g, Global.Peak); now > peak; peak = Atomics.load(g, Global.Peak)) {
      if (Atomics.compareExchange(g, Global.Peak, peak, now) === peak) break;
    }
    return true;
  }

  closeConnection(): void {
    Atomics.sub(this.layout.global, Global.Active, 1);
  }
}

export interface ThreadInfo {
  id: number;
  threadId: number;
  state: ThreadStateName;
  completions: number;
  lastActivity: string | null;
}

export function threadInfo(layout: StatsLayout): ThreadInfo[] {
  const row = new Float64Array(FIELD_COUNT);
  return Array.from({ length: layout.workers }, (_, id) => {
    layout.readRow(id, row);
    const last = row[Field.LastActivity]!;
    return {
      id,
      threadId: row[Field.ThreadId]!,
      state: STATE_NAMES[Atomics.load(layout.states, id)] ?? "starting",
      completions: row[Field.Completions]!,
      lastActivity: last > 0 ? new Date(last).toISOString() : null,
    };
  });
}

export function snapshot(
  layout: StatsLayout,
  backend: string,
  startedAt: number,
  now: number,
  protocols: string[] = ["tcp"],
): StatsSnapshot {
  const sum = new Float64Array(FIELD_COUNT);
  const row = new Float64Array(FIELD_COUNT);
  for (let w = 0; w < layout.workers; w++) {
    layout.readRow(w, row);
    for (let f = 0; f < FIELD_COUNT; f++) sum[f] = sum[f]! + row[f]!;
  }
  const fields: Readonly<Record<string, number>> = Field;
  return buildSnapshot(
    {
      uptimeSeconds: Math.max(0, (now - startedAt) / 1000),
      workers: layout.workers,
      active: layout.active(),
      peak: Atomics.load(layout.global, Global.Peak),
      sum: (field) => sum[fields[field]!]!,
    },
    backend,
    protocols,
  );
}
