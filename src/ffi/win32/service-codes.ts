/**
 * Service Control Manager numbers (winsvc.h, winerror.h) and the status a
 * service reports, with no bindings: the status reporter and its unit test
 * use them on any platform.
 */
export const SERVICE_WIN32_OWN_PROCESS = 0x10;
export const ServiceState = {
  Stopped: 1,
  StartPending: 2,
  StopPending: 3,
  Running: 4,
} as const;
export const ServiceControl = { Stop: 1, Interrogate: 4, Shutdown: 5, Preshutdown: 0xf } as const;
/** SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN. */
export const ACCEPT_STOP_SHUTDOWN_PRESHUTDOWN = 0x1 | 0x4 | 0x100;
export const ERROR_SERVICE_SPECIFIC_ERROR = 1066;
/** StartServiceCtrlDispatcherW in a process the SCM did not start. */
export const ERROR_FAILED_SERVICE_CONTROLLER_CONNECT = 1063;

export interface ServiceStatus {
  state: number;
  accepted: number;
  win32ExitCode: number;
  serviceExitCode: number;
  checkPoint: number;
  waitHintMs: number;
}

/** Where statuses go: SetServiceStatus (ServiceControlPath), or a recorder in tests. */
export interface StatusSink {
  report(status: ServiceStatus): void;
}
