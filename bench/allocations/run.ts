/**
 * Does the completion loop allocate JavaScript objects per message?
 *
 * Runs the real loop on the real io_uring queue in a Worker (one worker, as
 * in the benchmark), drives it with the C load client, and compares the
 * worker's JavaScriptCore heap statistics (object count, per type) across a
 * window of echoed messages that opens on a freshly collected heap. A
 * positive control runs the same window with one object allocated per
 * completion: it must show at least that many objects, or the window could
 * not see allocations (a collection inside it would hide them) and the
 * figure for the real loop would prove nothing. A few hundred objects per
 * window are the sampling itself and the JIT: constant, not per message,
 * which is why the window is long and the bar is 0.01 per message.
 *
 *   bun bench/allocations/run.ts [--window 20000]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Command } from "../../src/engine.ts";
import { openHost } from "../../src/ffi/backends.ts";
import { Phase, StatsLayout } from "../../src/stats.ts";
import type { AllocationReport, AllocationStart, Sample } from "./worker.ts";

const ROOT = join(import.meta.dir, "../..");
const LOAD = join(ROOT, "bench/out/load");
const { values } = parseArgs({ options: { window: { type: "string", default: "100000" } } });
const WINDOW = Number(values.window);
const WARMUP = 20_000;

const gcc = Bun.spawnSync(["gcc", "-O2", "-o", LOAD, join(ROOT, "bench/c/load.c")], { stderr: "pipe" });
if (gcc.exitCode !== 0) throw new Error(`gcc: ${gcc.stderr.toString()}`);

interface Outcome {
  perMessage: number;
  objects: number;
  sends: number;
  topTypes: [string, number][];
}

async function measure(mode: "pingpong" | "stream", size: number, conns: number, control: boolean): Promise<Outcome> {
  const host = await openHost("io_uring");
  const bound = host.listen("127.0.0.1", 0, 1024, 0);
  const slots = 2048;
  const layout = StatsLayout.create(1);
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
  let resolveDone: (r: { before: Sample; after: Sample }) => void = () => {};
  let rejectDone: (e: Error) => void = () => {};
  const done = new Promise<{ before: Sample; after: Sample }>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const ready = new Promise<void>((resolve) => {
    worker.onmessage = (event: MessageEvent<AllocationReport>) => {
      const r = event.data;
      if (r.type === "ready") {
        host.attach(0, r.handle);
        resolve();
      } else if (r.type === "done") resolveDone(r);
      else rejectDone(new Error(r.message));
    };
  });
  const start: AllocationStart = {
    type: "start",
    index: 0,
    workers: 1,
    params: host.workerParams(slots, 8192),
    stats: layout.buffer,
    shared: null,
    loop: { slots, maxConnections: slots, idleTimeoutMs: 0, scanOffset: 0, scanStride: 1 },
    warmup: WARMUP,
    window: WINDOW,
    control,
  };
  worker.postMessage(start);
  await ready;
  const client = Bun.spawn(
    [
      LOAD,
      "--port",
      String(bound.port),
      "--mode",
      mode,
      "--size",
      String(size),
      "--conns",
      String(conns),
      "--seconds",
      "20",
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  const result = await Promise.race([done, Bun.sleep(30_000).then(() => null)]);
  client.kill();
  await client.exited;
  layout.setPhase(Phase.Exiting);
  host.stopAccepting();
  host.post(0, Command.Exit);
  await Bun.sleep(200);
  worker.terminate();
  host.dispose();
  if (result === null) throw new Error(`${mode}: the window did not close within 30 s`);
  const { before, after } = result;
  // objectCount moves only at a collection; the per-type census counts
  // every cell, so the window's allocations are the census's growth.
  const census = (x: Sample) => Object.values(x.types).reduce((a, b) => a + b, 0);
  const objects = census(after) - census(before);
  const sends = after.sends - before.sends;
  const topTypes = Object.entries(after.types)
    .map(([t, n]) => [t, n - (before.types[t] ?? 0)] as [string, number])
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4);
  return { perMessage: objects / sends, objects, sends, topTypes };
}

const scenarios = [
  { name: "ping-pong 64 B x 50", mode: "pingpong" as const, size: 64, conns: 50 },
  { name: "stream 16 KiB x 10", mode: "stream" as const, size: 16384, conns: 10 },
];
const rows: string[] = [];
let failed = 0;
for (const s of scenarios) {
  const loop = await measure(s.mode, s.size, s.conns, false);
  const control = await measure(s.mode, s.size, s.conns, true);
  // The control allocates one object per completion, and a message takes
  // at least two completions: it must show at least one object per message.
  const controlSeen = control.perMessage >= 1;
  const verdict = !controlSeen ? "window blind (control)" : loop.perMessage < 0.01 ? "none per message" : "ALLOCATES";
  if (verdict !== "none per message") failed++;
  const types = (o: Outcome) => o.topTypes.map(([t, n]) => `${t} ${n}`).join(", ") || "-";
  rows.push(
    `| ${s.name} | ${loop.sends} | ${loop.objects} | ${loop.perMessage.toFixed(4)} | ${types(loop)} | ${control.perMessage.toFixed(2)} (${types(control)}) | ${verdict} |`,
  );
  console.error(rows.at(-1));
}
console.log(
  [
    `Objects the completion loop allocates per echo (one send completion) (io_uring, one worker, ${WINDOW}-send window after ${WARMUP} of warm-up, opened on a collected heap):`,
    "",
    "| scenario | sends in window | new objects | per send | most frequent new types | control: per send | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n"),
);
console.log(`${scenarios.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
