/**
 * The completion-loop workers, seen from the main thread: started one at a
 * time (each opens its queue and reports ready before the next starts),
 * joined through the exit key. A worker is reached only through its queue,
 * never by message, once its loop runs: it blocks in the kernel.
 */
import { Command, type EngineHost } from "./engine.ts";
import type { Logger } from "./log.ts";
import type { WorkerReport, WorkerStart } from "./worker-protocol.ts";

const WORKER_READY_TIMEOUT_MS = 10_000;

interface Running {
  worker: Worker;
  exited: Promise<void>;
}

export class WorkerPool {
  private readonly workers: Running[] = [];

  /** `failed`: a worker threw or died; called once per worker, with what it said. */
  constructor(
    private readonly host: EngineHost,
    private readonly log: Logger,
    private readonly failed: (index: number, stack: string) => void,
  ) {}

  get size(): number {
    return this.workers.length;
  }

  /** Starts worker `start.index`; resolves once it reported ready, rejects if it failed or took too long. */
  spawn(start: WorkerStart): Promise<void> {
    const { index } = start;
    const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
    let onExited: () => void = () => {};
    const exited = new Promise<void>((resolve) => (onExited = resolve));
    this.workers.push({ worker, exited });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${index} did not start within ${WORKER_READY_TIMEOUT_MS} ms`)),
        WORKER_READY_TIMEOUT_MS,
      );
      const fail = (message: string, stack: string) => {
        clearTimeout(timer);
        onExited();
        reject(new Error(`worker ${index} failed: ${message}`));
        this.failed(index, stack);
      };
      worker.onmessage = (event: MessageEvent<WorkerReport>) => {
        const report = event.data;
        if (report.type === "ready") {
          clearTimeout(timer);
          this.host.attach(index, report.handle);
          this.log.debug(`worker ${index} ready on thread ${report.threadId}`);
          resolve();
        } else if (report.type === "exited") {
          onExited();
        } else {
          fail(report.message, report.stack);
        }
      };
      worker.onerror = (event) => fail(event.message, event.message);
      worker.postMessage(start);
    });
  }

  /**
   * Posts one exit key per worker (each closes what is still open and waits
   * for its outstanding operations), waits up to `limitMs` for all to exit,
   * then terminates them. True when every worker exited in time.
   */
  async stop(limitMs: number): Promise<boolean> {
    for (let index = 0; index < this.workers.length; index++) this.postExit(index);
    const all = Promise.all(this.workers.map((w) => w.exited)).then(() => true);
    const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), limitMs));
    const joined = await Promise.race([all, late]);
    for (const w of this.workers) w.worker.terminate();
    return joined;
  }

  private postExit(index: number): void {
    try {
      this.host.post(index, Command.Exit);
    } catch (error) {
      // A worker that never reported ready has no queue to post to.
      this.log.debug(`worker ${index}: no exit key posted (${(error as Error).message})`);
    }
  }
}
