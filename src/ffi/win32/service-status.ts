/**
 * What the SCM is told, in order: START_PENDING (checkpoints and a wait
 * hint), RUNNING, STOP_PENDING (checkpoints, a wait hint covering the
 * drain), STOPPED with an exit code. While a state is pending the
 * checkpoint goes up every second: the SCM takes a checkpoint that stops
 * moving for longer than the wait hint as a hung service.
 */
import {
  ACCEPT_STOP_SHUTDOWN_PRESHUTDOWN,
  ERROR_SERVICE_SPECIFIC_ERROR,
  ServiceState,
  type StatusSink,
} from "./service-codes.ts";

const CHECKPOINT_INTERVAL_MS = 1000;

export class ServiceStatusReporter {
  private checkPoint = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private state = 0;

  constructor(
    private readonly path: StatusSink,
    private readonly warn: (message: string) => void,
  ) {}

  startPending(waitHintMs: number): void {
    this.pending(ServiceState.StartPending, waitHintMs);
  }

  running(): void {
    this.steady(ServiceState.Running, ACCEPT_STOP_SHUTDOWN_PRESHUTDOWN, 0, 0);
  }

  /** Once: later calls (a second STOP during the drain) change nothing. */
  stopPending(waitHintMs: number): void {
    if (this.timer !== null && this.state === ServiceState.StopPending) return;
    this.pending(ServiceState.StopPending, waitHintMs);
  }

  /** 0: a clean stop. Anything else: ERROR_SERVICE_SPECIFIC_ERROR with that code, so recovery restarts it. */
  stop(exitCode: number): void {
    if (this.stopped) return;
    this.stopped = true;
    if (exitCode === 0) this.steady(ServiceState.Stopped, 0, 0, 0);
    else this.steady(ServiceState.Stopped, 0, ERROR_SERVICE_SPECIFIC_ERROR, exitCode);
  }

  private pending(state: number, waitHintMs: number): void {
    this.clearTimer();
    this.state = state;
    this.checkPoint = 0;
    const tick = () => this.send(state, 0, 0, 0, ++this.checkPoint, waitHintMs);
    tick();
    this.timer = setInterval(tick, CHECKPOINT_INTERVAL_MS);
  }

  private steady(state: number, accepted: number, win32ExitCode: number, serviceExitCode: number): void {
    this.clearTimer();
    this.state = state;
    this.send(state, accepted, win32ExitCode, serviceExitCode, 0, 0);
  }

  private send(state: number, accepted: number, win32: number, service: number, checkPoint: number, hint: number) {
    try {
      this.path.report({
        state,
        accepted,
        win32ExitCode: win32,
        serviceExitCode: service,
        checkPoint,
        waitHintMs: hint,
      });
    } catch (error) {
      this.warn(`cannot report the service status: ${(error as Error).message}`);
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
