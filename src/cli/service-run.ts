/**
 * `service run`: what the SCM launches. Connects to the SCM through the
 * native control path (src/ffi/win32/service-control.ts explains why it is
 * native), reads the config from %ProgramData%, runs the same server as
 * `serve`, and maps its lifecycle onto service states:
 *
 *   START_PENDING while the engine, listener, admin API and workers open
 *   RUNNING once echo and admin listen
 *   STOP_PENDING when a STOP / SHUTDOWN / PRESHUTDOWN arrives, or anything
 *     else starts the graceful stop (POST /shutdown, a crashed worker)
 *   STOPPED with 0, or ERROR_SERVICE_SPECIFIC_ERROR carrying the exit code
 *     (2 bad config, 1 failed start or crashed worker) so recovery restarts it
 *
 * Loaded only on Windows (service.ts): its imports bind advapi32 and kernel32.
 */
import { programDataDirectory } from "../ffi/win32/program-data.ts";
import { ConfigError, type EchoConfig } from "../config.ts";
import { EventSource, EventType } from "../ffi/win32/event-log.ts";
import { ERROR_FAILED_SERVICE_CONTROLLER_CONNECT, ServiceControl } from "../ffi/win32/service-codes.ts";
import { ServiceControlPath, type ServiceEvent } from "../ffi/win32/service-control.ts";
import { ServiceStatusReporter } from "../ffi/win32/service-status.ts";
import { RotatingFile } from "../service/rotating-log.ts";
import { connections } from "../service/sd-notify.ts";
import { EchoServer, StartupError } from "../server.ts";
import { adminUrl, stopBudgetMs, type WindowsServicePaths, windowsServicePaths } from "../service/service-paths.ts";
import { loadServiceConfig } from "./service-config.ts";
import { type EventSink, ServiceLog } from "./service-log.ts";

const servicePaths = (name: string): WindowsServicePaths =>
  windowsServicePaths(name, programDataDirectory(), process.env);

/** The control port is polled: a control waits at most this long (HandlerEx has long returned). */
const POLL_MS = 50;
/** START_PENDING's wait hint: workers start one at a time, each within 10 s at worst. */
const START_WAIT_HINT_MS = 30_000;
/** After STOPPED the dispatcher returns; don't wait on it forever. */
const DISPATCHER_RETURN_MS = 5_000;

/** Polls the control port and hands each packet to `on`. */
function pump(path: ServiceControlPath, on: (event: ServiceEvent) => void): () => void {
  const timer = setInterval(() => {
    for (let event = path.poll(); event !== null; event = path.poll()) on(event);
  }, POLL_MS);
  return () => clearInterval(timer);
}

function firstEvent(path: ServiceControlPath): Promise<ServiceEvent> {
  return new Promise((resolve) => {
    const stop = pump(path, (event) => {
      stop();
      resolve(event);
    });
  });
}

function openEvents(name: string): EventSink | null {
  let source: EventSource;
  try {
    source = EventSource.open(name);
  } catch {
    return null; // the log file still has everything
  }
  return {
    information: (m) => source.report(EventType.Information, m),
    warning: (m) => source.report(EventType.Warning, m),
    error: (m) => source.report(EventType.Error, m),
  };
}

/** Waits for ServiceMain: the control path, or the exit code when the SCM did not start this process. */
async function connect(name: string): Promise<ServiceControlPath | number> {
  const path = ServiceControlPath.open(name);
  const first = await firstEvent(path);
  if (first.kind === "started" && first.error === 0) return path;
  if (first.kind === "dispatcher-returned" && first.error === ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
    process.stderr.write(
      `iocp-echo: "service run" is what the Service Control Manager starts; ` +
        `run "iocp-echo service start --name ${name}" (or "iocp-echo serve" in a console)\n`,
    );
    return 2;
  }
  const call = first.kind === "started" ? "RegisterServiceCtrlHandlerExW" : "StartServiceCtrlDispatcherW";
  process.stderr.write(`iocp-echo: ${call} failed with Windows error ${"error" in first ? first.error : "?"}\n`);
  return 1;
}

const controlName = (control: number) =>
  (Object.entries(ServiceControl).find(([, code]) => code === control)?.[0] ?? `${control}`).toUpperCase();

/** One run of the service, from ServiceMain to SERVICE_STOPPED. */
class ServiceSession {
  private onControl: (control: number) => void = () => {};
  private dispatcherReturned: () => void = () => {};
  private readonly returned = new Promise<void>((resolve) => (this.dispatcherReturned = resolve));
  private readonly stopPump: () => void;
  private readonly status: ServiceStatusReporter;

  constructor(
    private readonly name: string,
    path: ServiceControlPath,
    private readonly paths: WindowsServicePaths,
    private readonly log: ServiceLog,
  ) {
    this.status = new ServiceStatusReporter(path, (m) => log.warn(m));
    this.stopPump = pump(path, (event) => {
      if (event.kind === "control") this.onControl(event.control);
      else if (event.kind === "dispatcher-returned") this.dispatcherReturned();
    });
  }

  /** The process's exit code: 0, 1 (failed start, crashed worker) or 2 (bad config file). */
  async run(): Promise<number> {
    const { name, log } = this;
    this.status.startPending(START_WAIT_HINT_MS);
    let config: EchoConfig;
    let started: Awaited<ReturnType<typeof EchoServer.start>>;
    try {
      config = loadServiceConfig(this.paths.config, process.env);
      log.setLevel(config.logLevel);
      started = await EchoServer.start(config, log);
    } catch (error) {
      if (!(error instanceof ConfigError || error instanceof StartupError)) throw error;
      log.error(`service ${name} cannot start: ${error.message}`);
      return this.finish(error instanceof ConfigError ? 2 : 1);
    }
    const { server, ready } = started;
    server.onShutdown((reason) => {
      this.status.stopPending(stopBudgetMs(config.drainTimeout));
      log.lifecycle(`service ${name} stopping (${reason}): draining ${connections(server.stats().connections.active)}`);
    });
    this.onControl = (control) => server.shutdown(`service control ${controlName(control)}`);
    this.status.running();
    log.lifecycle(
      `service ${name} started: echo on ${ready.echo.host}:${ready.echo.port}, ` +
        `admin on ${adminUrl(ready.admin.host, ready.admin.port)} ` +
        `(${ready.backend}, ${ready.workers} workers, pid ${ready.pid}); config ${this.paths.config}`,
    );
    const code = await server.done;
    const { accepted, active } = server.stats().connections;
    const outcome = code === 0 ? "" : ` with errors (exit code ${code})`;
    log.lifecycle(`service ${name} stopped${outcome}: ${connections(accepted)} served, ${active} left open`);
    return this.finish(code);
  }

  /** SERVICE_STOPPED, then a bounded wait for the dispatcher to return. */
  private async finish(code: number): Promise<number> {
    this.status.stop(code);
    await Promise.race([this.returned, Bun.sleep(DISPATCHER_RETURN_MS)]);
    this.stopPump();
    return code;
  }
}

export async function runService(name: string): Promise<number> {
  const path = await connect(name);
  if (typeof path === "number") return path;
  const paths = servicePaths(name);
  const log = new ServiceLog(new RotatingFile(paths.logFile), openEvents(name));
  return new ServiceSession(name, path, paths, log).run();
}
