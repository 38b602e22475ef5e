/**
 * Lifecycle: engine, listener, admin API, workers, graceful shutdown.
 *
 * Shutdown, once, whatever asked for it (POST /shutdown, SIGINT, SIGTERM, a
 * failed worker): stop accepting; let open connections finish until none is
 * left or the drain timeout passes; post one exit key per worker (each
 * closes what is still open and waits for its outstanding operations); join
 * the workers; close the listener, the engine and the admin API.
 */
import { createAdminApp } from "./admin/app.ts";
import { ConnTable } from "./conn-table.ts";
import { serveAdmin, type AdminServer } from "./admin/serve.ts";
import { VERSION, type EchoConfig } from "./config.ts";
import { type BoundAddress, Command, type EngineHost } from "./engine.ts";
import { backendAvailable, openHost, resolveBackend } from "./ffi/backends.ts";
import type { Logger } from "./log.ts";
import { SlotPool } from "./slot-pool.ts";
import { Phase, snapshot, StatsLayout, type StatsSnapshot, threadInfo } from "./stats.ts";
import { SourceRateTable } from "./udp-policy.ts";
import { WorkerPool } from "./worker-pool.ts";
import type { WorkerStart } from "./worker-protocol.ts";

/** The server could not start (port taken, engine unavailable): exit 1. */
export class StartupError extends Error {
  override name = "StartupError";
}

export interface ReadyLine {
  event: "ready";
  backend: string;
  workers: number;
  /** What the echo port serves: ["tcp"], or ["tcp", "udp"] with --udp. */
  protocols: string[];
  echo: BoundAddress;
  admin: BoundAddress;
  pid: number;
}

const WORKER_EXIT_TIMEOUT_MS = 10_000;
/**
 * After a worker failed, the join is short: the process exits 1 whatever
 * happens, and on a shared port the dead worker may have taken a completion
 * that another worker now waits for in vain.
 */
const WORKER_EXIT_AFTER_FAILURE_MS = 2_000;
/** Joining the workers of a start that failed half-way. */
const WORKER_EXIT_AFTER_ABANDON_MS = 2_000;
const DRAIN_POLL_MS = 20;
const LISTEN_BACKLOG = 4096;
/** Sources --udp-rate tracks at once (128 KiB, shared by the workers); see udp-policy.ts. */
const UDP_RATE_SOURCES = 4096;

export class EchoServer {
  private readonly layout: StatsLayout;
  private readonly shared: WorkerStart["shared"];
  private readonly workers: WorkerPool;
  private admin: AdminServer | null = null;
  private readonly startedAt = Date.now();
  private readonly protocols: string[];
  /** With --udp: the echo port and the per-source rate table every worker shares. */
  private udp: { serverPort: number; rate: number; table: SharedArrayBuffer } | null = null;
  private stopping: Promise<number> | null = null;
  private cutDrainShort: () => void = () => {};
  private failure: string | null = null;
  /** Sockets and rings open before the listener, to compare with those left at exit. */
  private descriptorsAtStart: number | null = null;
  readonly done: Promise<number>;
  private resolveDone: (code: number) => void = () => {};
  private readonly shutdownListeners: ((reason: string) => void)[] = [];

  private constructor(
    private readonly config: EchoConfig,
    private readonly host: EngineHost,
    private readonly log: Logger,
  ) {
    this.layout = StatsLayout.create(config.workers);
    this.protocols = config.udp ? ["tcp", "udp"] : ["tcp"];
    this.shared = host.sharesConnections ? EchoServer.sharedTables(config.maxConnections) : null;
    this.workers = new WorkerPool(host, log, (index, stack) => this.workerFailed(index, stack));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  static async start(config: EchoConfig, log: Logger): Promise<{ server: EchoServer; ready: ReadyLine }> {
    const backend = resolveBackend(config.backend);
    if (!backendAvailable(backend)) {
      throw new StartupError(`--backend ${backend} is not available on ${process.platform} (use --backend auto)`);
    }
    let host: EngineHost;
    try {
      host = await openHost(backend);
    } catch (error) {
      throw new StartupError(`cannot open the ${backend} engine: ${(error as Error).message}`);
    }
    const server = new EchoServer(config, host, log);
    try {
      return { server, ready: await server.open() };
    } catch (error) {
      await server.abandon();
      throw error instanceof StartupError ? error : new StartupError((error as Error).message);
    }
  }

  /** One table and pool for all workers, for backends where any worker takes any completion. */
  private static sharedTables(slots: number): WorkerStart["shared"] {
    const table = new SharedArrayBuffer(ConnTable.bytesFor(slots));
    const pool = new SharedArrayBuffer(SlotPool.bytesFor(slots));
    new SlotPool(slots, pool); // fills it once
    return { table, pool };
  }

  private async open(): Promise<ReadyLine> {
    const { config, host } = this;
    this.descriptorsAtStart = host.countOwnDescriptors();
    // Bun raises the soft limit itself on start-up today; doing it here too
    // keeps the server's capacity from depending on that, and logs the figure.
    const files = host.raiseOpenFileLimit();
    if (files !== null) {
      const needed = config.maxConnections + 64;
      this.log.info(
        `open-file limit: ${files.after}${files.after !== files.before ? ` (raised from ${files.before})` : ""}`,
      );
      if (files.after < needed) {
        this.log.warn(
          `open-file limit ${files.after} is below --max-connections ${config.maxConnections} plus headroom; ` +
            "raise the hard limit (ulimit -Hn) or accepts will fail with EMFILE",
        );
      }
    }
    let echo: BoundAddress;
    try {
      echo = host.listen(config.host, config.port, LISTEN_BACKLOG, config.keepalive);
    } catch (error) {
      throw new StartupError(`echo port: ${(error as Error).message}`);
    }
    if (config.udp) this.openUdp(echo);
    this.admin = serveAdmin(this.adminApp(), config.adminHost, config.adminPort);
    // One at a time: each worker opens its queue and reports before the next starts.
    for (let index = 0; index < config.workers; index++) await this.workers.spawn(this.workerStart(index));
    return {
      event: "ready",
      backend: host.backend,
      workers: config.workers,
      protocols: this.protocols,
      echo,
      admin: this.admin.address,
      pid: process.pid,
    };
  }

  /** The datagram socket beside the listener, on the port the listener got. */
  private openUdp(echo: BoundAddress): void {
    try {
      this.host.listenUdp(echo.host, echo.port, this.config.workers);
    } catch (error) {
      throw new StartupError(`echo port (UDP): ${(error as Error).message}`);
    }
    const table = new SharedArrayBuffer(SourceRateTable.bytesFor(UDP_RATE_SOURCES));
    this.udp = { serverPort: echo.port, rate: this.config.udpRate, table };
  }

  private adminApp() {
    return createAdminApp({
      stats: () => this.stats(),
      threads: () => threadInfo(this.layout),
      shutdown: () => this.shutdown("POST /shutdown"),
      unhealthy: () => this.failure ?? (this.stopping ? "shutting down" : null),
      about: { version: VERSION, protocols: this.protocols },
      token: this.config.adminToken,
    });
  }

  private workerStart(index: number): WorkerStart {
    const { config, shared } = this;
    return {
      type: "start",
      index,
      workers: config.workers,
      params: this.host.workerParams(config.maxConnections, config.bufferSize),
      stats: this.layout.buffer,
      shared,
      loop: {
        slots: config.maxConnections,
        maxConnections: config.maxConnections,
        idleTimeoutMs: config.idleTimeout,
        scanOffset: shared ? index : 0,
        scanStride: shared ? config.workers : 1,
        udp: this.udp,
      },
    };
  }

  /** A worker died: never a half-dead server; stop everything and exit 1. */
  private workerFailed(index: number, stack: string): void {
    if (this.failure !== null) return;
    this.failure = `worker ${index} failed`;
    this.log.error(`worker ${index} failed: ${stack}`, { worker: index });
    this.shutdown(`worker ${index} failed`);
  }

  /** The /stats figures, for a service manager's status (systemd STATUS=, the Event Log). */
  stats(): StatsSnapshot {
    return snapshot(this.layout, this.host.backend, this.startedAt, Date.now(), this.protocols);
  }

  /** Runs `listener` once when the graceful stop begins, whatever asked for it (SCM STOP_PENDING, systemd STOPPING=1). */
  onShutdown(listener: (reason: string) => void): void {
    this.shutdownListeners.push(listener);
  }

  /** Starts the graceful stop; a second call with `force` cuts the drain short. */
  shutdown(reason: string, force = false): boolean {
    if (this.stopping !== null) {
      if (force) this.cutDrainShort();
      return false;
    }
    this.log.info(`shutting down (${reason})`, { reason });
    for (const listener of this.shutdownListeners) listener(reason);
    this.stopping = this.stop().then((code) => {
      this.resolveDone(code);
      return code;
    });
    return true;
  }

  private async stop(): Promise<number> {
    const { layout, host, config } = this;
    layout.setPhase(Phase.Draining);
    host.stopAccepting();
    // UDP has nothing to drain: it stops receiving now, not at the exit key.
    if (this.udp) for (let index = 0; index < this.workers.size; index++) host.post(index, Command.StopUdp);
    const drained = await this.waitFor(() => layout.active() === 0, config.drainTimeout);
    if (!drained) {
      const connections = layout.active();
      this.log.warn(`drain timeout (${config.drainTimeout} ms): closing ${connections} connections`, { connections });
    }
    layout.setPhase(Phase.Exiting);
    let clean = await this.stopWorkers();
    await this.admin?.stop();
    host.dispose();
    this.reportDescriptors();
    if (this.failure !== null) clean = false;
    this.log.info(clean ? "stopped" : "stopped with errors");
    return clean ? 0 : 1;
  }

  /**
   * Everything the server opened is closed by now: listener, rings,
   * connections, admin API. Say so with the figures, or warn of a leak.
   */
  private reportDescriptors(): void {
    const before = this.descriptorsAtStart;
    const after = this.host.countOwnDescriptors();
    if (before === null || after === null) return;
    const line = `sockets and io_uring rings: ${after} open at exit, ${before} before start`;
    if (after > before) this.log.warn(`${line}: ${after - before} leaked`);
    else this.log.info(line);
  }

  /** Posts one exit key per worker and joins them. */
  private async stopWorkers(): Promise<boolean> {
    const limit = this.failure === null ? WORKER_EXIT_TIMEOUT_MS : WORKER_EXIT_AFTER_FAILURE_MS;
    const joined = await this.workers.stop(limit);
    if (!joined) this.log.error(`workers did not exit within ${limit} ms`);
    return joined;
  }

  /** Polls `done` until true, the timeout, or a forced stop. */
  private waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        if (done()) return finish(true);
        if (Date.now() >= deadline) return finish(false);
      };
      const timer = setInterval(check, DRAIN_POLL_MS);
      const finish = (result: boolean) => {
        clearInterval(timer);
        this.cutDrainShort = () => {};
        resolve(result);
      };
      this.cutDrainShort = () => finish(false);
      check();
    });
  }

  /** Undo a half-finished start so that nothing is left running. */
  private async abandon(): Promise<void> {
    this.layout.setPhase(Phase.Exiting);
    await this.workers.stop(WORKER_EXIT_AFTER_ABANDON_MS);
    await this.admin?.stop();
    this.host.dispose();
  }
}
