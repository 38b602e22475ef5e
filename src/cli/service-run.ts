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
 */
import { programDataDirectory } from "../ffi/win32/program-data.ts";
import { ConfigError, type EchoConfig } from "../config.ts";
import type { EventSource } from "../ffi/win32/event-log.ts";
import type { ServiceControlPath, ServiceEvent } from "../ffi/win32/service-control.ts";
import { RotatingFile } from "../rotating-log.ts";
import { EchoServer, StartupError } from "../server.ts";
import { stopBudgetMs, type WindowsServicePaths, windowsServicePaths } from "../service-paths.ts";
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

async function openEvents(name: string): Promise<EventSink | null> {
  const { EventSource, EventType } = await import("../ffi/win32/event-log.ts");
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

export async function runService(name: string): Promise<number> {
  const { ServiceControlPath, ServiceControl, ERROR_FAILED_SERVICE_CONTROLLER_CONNECT } = await import(
    "../ffi/win32/service-control.ts"
  );
  const { ServiceStatusReporter } = await import("../ffi/win32/service-status.ts");
  const path = ServiceControlPath.open(name);
  const first = await firstEvent(path);
  if (first.kind === "dispatcher-returned") {
    if (first.error === ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      process.stderr.write(
        `iocp-echo: "service run" is what the Service Control Manager starts; run "iocp-echo service start --name ${name}" (or "iocp-echo serve" in a console)\n`,
      );
      return 2;
    }
    process.stderr.write(`iocp-echo: StartServiceCtrlDispatcherW failed with Windows error ${first.error}\n`);
    return 1;
  }
  if (first.kind !== "started" || first.error !== 0) {
    process.stderr.write(`iocp-echo: RegisterServiceCtrlHandlerExW failed: ${JSON.stringify(first)}\n`);
    return 1;
  }
  const paths = servicePaths(name);
  const log = new ServiceLog(new RotatingFile(paths.logFile), await openEvents(name));
  const status = new ServiceStatusReporter(path, (m) => log.warn(m));
  status.startPending(START_WAIT_HINT_MS);

  let dispatcherReturned: () => void = () => {};
  const returned = new Promise<void>((resolve) => (dispatcherReturned = resolve));
  let onControl: (control: number) => void = () => {};
  const stopPump = pump(path, (event) => {
    if (event.kind === "control") onControl(event.control);
    else if (event.kind === "dispatcher-returned") dispatcherReturned();
  });
  const finish = async (code: number) => {
    status.stop(code);
    await Promise.race([returned, Bun.sleep(DISPATCHER_RETURN_MS)]);
    stopPump();
    return code;
  };

  let config: EchoConfig;
  try {
    config = loadServiceConfig(paths.config, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(`service ${name} cannot start: ${error.message}`);
    return finish(2);
  }
  log.setLevel(config.logLevel);
  let started: Awaited<ReturnType<typeof EchoServer.start>>;
  try {
    started = await EchoServer.start(config, log);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    log.error(`service ${name} cannot start: ${error.message}`);
    return finish(1);
  }
  const { server, ready } = started;
  const { drainTimeout } = config;
  server.onShutdown((reason) => {
    status.stopPending(stopBudgetMs(drainTimeout));
    log.lifecycle(`service ${name} stopping (${reason}): draining ${server.stats().connections.active} connections`);
  });
  onControl = (control) => {
    const word = Object.entries(ServiceControl).find(([, code]) => code === control)?.[0] ?? `${control}`;
    server.shutdown(`service control ${word.toUpperCase()}`);
  };
  status.running();
  log.lifecycle(
    `service ${name} started: echo on ${ready.echo.host}:${ready.echo.port}, admin on http://${ready.admin.host}:${ready.admin.port} (${ready.backend}, ${ready.workers} workers, pid ${ready.pid}); config ${paths.config}`,
  );
  const code = await server.done;
  const stats = server.stats().connections;
  log.lifecycle(
    `service ${name} stopped${code === 0 ? "" : ` with errors (exit code ${code})`}: ${stats.accepted} connections served, ${stats.active} left open`,
  );
  return finish(code);
}
