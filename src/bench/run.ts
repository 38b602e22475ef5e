/**
 * A bench run on the main thread: resolve the target, start the workers one
 * at a time (each opens its own queue), start them together, print progress
 * as intervals complete, and end with the report and the exit code:
 * 0 clean, 1 errors, wrong echoes, or a target that accepted nothing.
 */
import { spawnBenchWorker } from "../bench-spawn.ts";
import type { ClientParams } from "../client-queue.ts";
import { backendAvailable, resolveBackend } from "../ffi/backends.ts";
import { Aggregator } from "./aggregate.ts";
import type { BenchConfig } from "./options.ts";
import { PATTERN_COPY_BYTES } from "./payload.ts";
import { type BenchWorkerCommand, connectionsOf, type LoopPlan, RunSignals } from "./plan.ts";
import { ProgressWriter } from "./progress.ts";
import { rehearseReporting } from "./rehearse.ts";
import type { BenchWorkerReport } from "./protocol.ts";
import { buildReport, exitCodeOf, formatReport, type RunFacts, unreachableVerdict } from "./report.ts";
import { parseTarget, type ResolvedTarget, resolveTarget } from "./target.ts";

export interface BenchIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress rewritten in place). */
  tty: boolean;
}

/** A run that cannot go on; the CLI prints it as one line and exits 1. */
export class BenchFailure extends Error {}

const RECEIVE_AREA_BYTES = 64 * 1024;
const MIN_AREA_BYTES = 4096;
/** Beyond its planned length, how long a run may take to drain before it is given up. */
const GRACE_MS = 30_000;

/**
 * Receive (and send) areas: a stream's chunks, or a ping-pong connection's
 * messages in flight; with --udp one datagram, with room beyond --size so
 * that a longer echo shows as such. TCP sends go from the pattern copy
 * (patternBytes), so a TCP slot's send area is never touched and takes
 * no physical memory (on Windows it still counts against the commit limit).
 */
function areaBytes(c: BenchConfig): number {
  if (c.udp) return Math.min(RECEIVE_AREA_BYTES, Math.ceil((c.size + 1) / MIN_AREA_BYTES) * MIN_AREA_BYTES);
  if (c.mode === "stream") return RECEIVE_AREA_BYTES;
  const inFlight = Math.ceil((c.size * c.pipeline) / MIN_AREA_BYTES) * MIN_AREA_BYTES;
  return Math.min(RECEIVE_AREA_BYTES, Math.max(MIN_AREA_BYTES, inFlight));
}

async function resolve(config: BenchConfig): Promise<ResolvedTarget> {
  const target = parseTarget(config.target);
  try {
    return await resolveTarget(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new BenchFailure(`cannot resolve ${target.host}: ${code}`);
  }
}

export async function runBench(config: BenchConfig, io: BenchIo): Promise<number> {
  const target = await resolve(config);
  const backend = resolveBackend(config.backend);
  if (!backendAvailable(backend))
    throw new BenchFailure(`--backend ${backend} is not available on ${process.platform}`);
  const cpuBefore = process.cpuUsage();
  const wallStart = performance.now();
  const startedAt = new Date().toISOString();
  const transport = config.udp ? "udp" : "tcp";
  const { address, port, family } = target;
  // The TCP loop sends from, and checks echoes against, a copy of the pattern in the queue's memory.
  const patternBytes = config.udp ? 0 : PATTERN_COPY_BYTES;
  // Ping-pong re-arms a receive per echo where a stream's receives are always busy: it keeps one armed.
  const multishotReceives = !config.udp && config.mode === "pingpong";
  const engine = { backend, address, port, family, transport, patternBytes, multishotReceives } as const;
  const agg = await measure(config, engine, io);
  const cpu = process.cpuUsage(cpuBefore);
  const facts: RunFacts = {
    target: { host: target.host, port: target.port, address: target.address },
    backend,
    config: configFacts(config),
    startedAt,
    cpu: { userS: cpu.user / 1e6, systemS: cpu.system / 1e6 },
    wallS: (performance.now() - wallStart) / 1000,
  };
  const report = buildReport(facts, agg);
  const nobody = unreachableVerdict(report);
  if (nobody !== null) io.err(`iocp-echo bench: ${nobody}\n`);
  if (config.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (nobody === null) io.out(formatReport(report));
  return exitCodeOf(report);
}

/** Runs the workers and gathers what they report, progress printed as each interval completes. */
async function measure(
  config: BenchConfig,
  engine: Omit<ClientParams, "slots" | "areaBytes">,
  io: BenchIo,
): Promise<Aggregator> {
  const agg = new Aggregator(config.workers);
  const progress = new ProgressWriter({ write: (t) => io.err(t) }, io.tty);
  // Ctrl-C ends the measured time where it is and still reports it; a second one ends the process.
  const signals = new RunSignals();
  const onSigint = () => signals.stop();
  const workers = new Workers(config, (report) => {
    if (report.type === "interval") {
      const sample = agg.addInterval(report);
      if (sample !== null) progress.sample(sample);
    } else if (report.type === "done") {
      agg.addDone(report);
    }
  });
  try {
    await workers.open(engine, areaBytes(config));
    rehearseReporting();
    process.once("SIGINT", onSigint);
    workers.go({ intervalMs: config.interval * 1000 }, signals.buffer);
    // The warmup starts once every connect has completed (see RunSignals); a connect takes --connect-timeout at most.
    await workers.settled(config.connectTimeout + GRACE_MS);
    const fromEpochMs = Date.now() + config.warmup * 1000;
    const untilEpochMs = fromEpochMs + config.duration * 1000;
    signals.start({ fromEpochMs, untilEpochMs });
    // A UDP socket lingers one loss timeout after its last send.
    const drainMs = config.connectTimeout + (config.udp ? config.lossTimeout : 0) + GRACE_MS;
    await workers.finished(untilEpochMs - Date.now() + drainMs);
  } finally {
    process.off("SIGINT", onSigint);
    workers.terminate();
    progress.finish();
  }
  return agg;
}

function configFacts(c: BenchConfig): RunFacts["config"] {
  return {
    mode: c.mode,
    connections: c.connections,
    size: c.size,
    durationS: c.duration,
    warmupS: c.warmup,
    pipeline: c.pipeline,
    rate: c.rate,
    workers: c.workers,
    intervalS: c.interval,
    connectTimeoutMs: c.connectTimeout,
    udp: c.udp,
    lossTimeoutMs: c.udp ? c.lossTimeout : null,
  };
}

/** The worker threads of one run and the promises that follow them. */
class Workers {
  private readonly threads: Worker[] = [];
  private doneCount = 0;
  private settledCount = 0;
  private onAllSettled: () => void = () => {};
  private readonly allSettled = new Promise<void>((resolve) => {
    this.onAllSettled = resolve;
  });
  private onAllDone: () => void = () => {};
  private onFailure: (error: Error) => void = () => {};
  private readonly ended: Promise<void>;

  constructor(
    private readonly config: BenchConfig,
    private readonly onReport: (report: BenchWorkerReport) => void,
  ) {
    this.ended = new Promise<void>((resolve, reject) => {
      this.onAllDone = resolve;
      this.onFailure = reject;
    });
    this.ended.catch(() => {});
  }

  /** Starts the workers one at a time, each opening its queue before the next begins. */
  async open(engine: Omit<ClientParams, "slots" | "areaBytes">, area: number): Promise<void> {
    const c = this.config;
    for (let worker = 0; worker < c.workers; worker++) {
      const loop: LoopPlan = {
        worker,
        workers: c.workers,
        connections: c.connections,
        mode: c.mode,
        size: c.size,
        pipeline: c.pipeline,
        rate: c.rate,
        connectTimeoutMs: c.connectTimeout,
        udp: c.udp,
        lossTimeoutMs: c.lossTimeout,
      };
      const slots = connectionsOf(worker, c.workers, c.connections);
      await this.start(worker, { type: "open", loop, engine: { ...engine, slots, areaBytes: area } });
    }
  }

  private start(index: number, open: BenchWorkerCommand): Promise<void> {
    const thread = spawnBenchWorker();
    this.threads.push(thread);
    return new Promise<void>((resolve, reject) => {
      const fail = (message: string) => {
        const error = new BenchFailure(`worker ${index} failed: ${message}`);
        reject(error);
        this.onFailure(error);
      };
      thread.onmessage = (event: MessageEvent<BenchWorkerReport>) => {
        const report = event.data;
        if (report.type === "ready") resolve();
        else if (report.type === "failed") fail(report.message);
        else if (report.type === "settled") {
          if (++this.settledCount === this.config.workers) this.onAllSettled();
        } else {
          this.onReport(report);
          if (report.type === "done" && ++this.doneCount === this.config.workers) this.onAllDone();
        }
      };
      thread.onerror = (event) => fail(event.message);
      thread.postMessage(open);
    });
  }

  go(meter: Omit<Extract<BenchWorkerCommand, { type: "go" }>["meter"], "worker">, signals: SharedArrayBuffer): void {
    this.threads.forEach((thread, worker) => {
      const go: BenchWorkerCommand = { type: "go", meter: { ...meter, worker }, signals };
      thread.postMessage(go);
    });
  }

  /** Every worker's connects have completed. */
  settled(withinMs: number): Promise<void> {
    return this.within(Promise.race([this.allSettled, this.ended]), withinMs, "connect");
  }

  finished(withinMs: number): Promise<void> {
    return this.within(this.ended, withinMs, "end");
  }

  private async within(what: Promise<void>, withinMs: number, verb: string): Promise<void> {
    let timer: Timer | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BenchFailure(`the run did not ${verb} within ${withinMs} ms`)), withinMs);
    });
    try {
      await Promise.race([what, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  terminate(): void {
    for (const thread of this.threads) thread.terminate();
  }
}
