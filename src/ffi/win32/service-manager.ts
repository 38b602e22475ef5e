/**
 * The Service Control Manager as two small types: ServiceManager (the SCM
 * database) and ServiceHandle (one service). Every method makes one advapi32
 * call, checks it, and throws an OsError naming the call, with the Win32
 * code in `raw` for callers that decide on it (access denied, not active).
 */
import type { Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { advapi32 } from "./advapi32.ts";
import { win32Code } from "./errors.ts";
import { kernel32 } from "./kernel32.ts";
import { allocate, type NativeBlock, readU64, release, writeU64 } from "./native.ts";
import { SERVICE_WIN32_OWN_PROCESS, type ServiceStatus } from "./service-codes.ts";
import { isValidHandle } from "./types.ts";

export const ERROR_ACCESS_DENIED = 5;
/** ChangeServiceConfig2W / QueryServiceConfig2W on an SCM without that setting (Wine 8: delayed start, failure flag). */
export const ERROR_INVALID_LEVEL = 124;
export const ERROR_SERVICE_DOES_NOT_EXIST = 1060;
export const ERROR_SERVICE_EXISTS = 1073;
export const ERROR_SERVICE_ALREADY_RUNNING = 1056;
export const ERROR_SERVICE_NOT_ACTIVE = 1062;

const SC_MANAGER_CONNECT = 0x1;
const SC_MANAGER_CREATE_SERVICE = 0x2;
const SERVICE_ALL_ACCESS = 0xf01ff;
/** SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS: what `service status` needs, no elevation. */
const SERVICE_QUERY = 0x1 | 0x4;
const SERVICE_ERROR_NORMAL = 1;
const SC_STATUS_PROCESS_INFO = 0;
const SC_ACTION_RESTART = 1;
const Config2 = { Description: 1, FailureActions: 2, DelayedAutoStart: 3, FailureActionsFlag: 4, Preshutdown: 7 };

export const StartType = { Auto: 2, Demand: 3, Disabled: 4 } as const;

export interface ServiceSpec {
  name: string;
  displayName: string;
  /** The command line the SCM runs, quoted as it must be. */
  commandLine: string;
  startType: number;
}

/** SERVICE_STATUS_PROCESS: what the service reported, and the process it runs in. */
export interface ServiceProcessStatus extends ServiceStatus {
  pid: number;
}

export interface FailureActions {
  resetPeriodSeconds: number;
  restartDelaysMs: number[];
}

const wide = (text: string) => Buffer.from(`${text}\0`, "utf16le");

function fail(call: string, detail: string): never {
  const error = kernel32.GetLastError();
  throw new OsError(call, win32Code(error), error, detail);
}

/** A NUL-terminated UTF-16 string at `address` (a pointer the SCM filled in). */
function readWide(block: NativeBlock, address: number): string {
  if (address === 0) return "";
  const start = address - block.address;
  const units = new Uint16Array(block.bytes, start, (block.bytes.byteLength - start) >> 1);
  const end = units.indexOf(0);
  return String.fromCharCode(...units.subarray(0, end < 0 ? units.length : end));
}

/** Scratch memory for the structures the SCM reads or fills, with pointers inside them. */
function withBlock<T>(what: string, use: (block: NativeBlock) => T): T {
  const block = allocate(8192, what);
  try {
    return use(block);
  } finally {
    release(block);
  }
}

export class ServiceManager {
  private constructor(private readonly handle: number) {}

  /** `create`: ask for the right to add services (administrators only). */
  static connect(create: boolean): ServiceManager {
    const access = SC_MANAGER_CONNECT | (create ? SC_MANAGER_CREATE_SERVICE : 0);
    const handle = advapi32.OpenSCManagerW(null, null, access);
    if (!isValidHandle(handle)) fail("OpenSCManagerW", "the service control manager");
    return new ServiceManager(handle);
  }

  /** The new service, or null when one of that name exists (nothing is changed then). */
  create(spec: ServiceSpec): ServiceHandle | null {
    const handle = advapi32.CreateServiceW(
      this.handle,
      wide(spec.name),
      wide(spec.displayName),
      SERVICE_ALL_ACCESS,
      SERVICE_WIN32_OWN_PROCESS,
      spec.startType,
      SERVICE_ERROR_NORMAL,
      wide(spec.commandLine),
      null,
      null,
      null,
      null, // LocalSystem
      null,
    );
    if (isValidHandle(handle)) return new ServiceHandle(handle, spec.name);
    if (kernel32.GetLastError() === ERROR_SERVICE_EXISTS) return null;
    return fail("CreateServiceW", spec.name);
  }

  /** The service, or null when there is none of that name. `query`: read-only access. */
  open(name: string, access: "all" | "query" = "all"): ServiceHandle | null {
    const rights = access === "all" ? SERVICE_ALL_ACCESS : SERVICE_QUERY;
    const handle = advapi32.OpenServiceW(this.handle, wide(name), rights);
    if (isValidHandle(handle)) return new ServiceHandle(handle, name);
    if (kernel32.GetLastError() === ERROR_SERVICE_DOES_NOT_EXIST) return null;
    return fail("OpenServiceW", name);
  }

  close(): void {
    advapi32.CloseServiceHandle(this.handle);
  }
}

export class ServiceHandle {
  constructor(
    private readonly handle: number,
    readonly name: string,
  ) {}

  start(): void {
    if (!advapi32.StartServiceW(this.handle, 0, null)) fail("StartServiceW", this.name);
  }

  /** Sends a control code (SERVICE_CONTROL_STOP = 1, ...). */
  control(code: number): void {
    withBlock("SERVICE_STATUS", (b) => {
      if (!advapi32.ControlService(this.handle, code, b.address as Pointer)) fail("ControlService", this.name);
    });
  }

  status(): ServiceProcessStatus {
    return withBlock("SERVICE_STATUS_PROCESS", (b) => {
      const ok = advapi32.QueryServiceStatusEx(
        this.handle,
        SC_STATUS_PROCESS_INFO,
        b.address as Pointer,
        36,
        (b.address + 64) as Pointer,
      );
      if (!ok) fail("QueryServiceStatusEx", this.name);
      const word = (i: number) => b.view.getUint32(4 * i, true);
      return {
        state: word(1),
        accepted: word(2),
        win32ExitCode: word(3),
        serviceExitCode: word(4),
        checkPoint: word(5),
        waitHintMs: word(6),
        pid: word(7),
      };
    });
  }

  /** The start type and command line (QUERY_SERVICE_CONFIGW). */
  config(): { startType: number; commandLine: string } {
    return withBlock("QUERY_SERVICE_CONFIGW", (b) => {
      const needed = (b.address + 8000) as Pointer;
      if (!advapi32.QueryServiceConfigW(this.handle, b.address as Pointer, 7000, needed))
        fail("QueryServiceConfigW", this.name);
      return { startType: b.view.getUint32(4, true), commandLine: readWide(b, readU64(b.view, 16)) };
    });
  }

  setDescription(text: string): void {
    withBlock("SERVICE_DESCRIPTIONW", (b) => {
      new Uint8Array(b.bytes, 64).set(wide(text));
      writeU64(b.view, 0, b.address + 64);
      this.change(Config2.Description, b, "description");
    });
  }

  /** Restart after each delay in turn (the last one repeats); count failures afresh after the reset period. */
  setFailureActions(actions: FailureActions): void {
    withBlock("SERVICE_FAILURE_ACTIONSW", (b) => {
      const v = b.view;
      v.setUint32(0, actions.resetPeriodSeconds, true);
      v.setUint32(24, actions.restartDelaysMs.length, true);
      writeU64(v, 32, b.address + 64);
      actions.restartDelaysMs.forEach((delay, i) => {
        v.setUint32(64 + 8 * i, SC_ACTION_RESTART, true);
        v.setUint32(64 + 8 * i + 4, delay, true);
      });
      this.change(Config2.FailureActions, b, "failure actions");
    });
  }

  /** On: a process that exits non-zero after reporting STOPPED also counts as a failure. */
  setFailureActionsOnNonCrashFailures(on: boolean): void {
    this.changeFlag(Config2.FailureActionsFlag, on ? 1 : 0, "failure actions flag");
  }

  setDelayedAutoStart(on: boolean): void {
    this.changeFlag(Config2.DelayedAutoStart, on ? 1 : 0, "delayed auto start");
  }

  setPreshutdownTimeout(ms: number): void {
    this.changeFlag(Config2.Preshutdown, ms, "pre-shutdown timeout");
  }

  failureActions(): FailureActions {
    return this.query(Config2.FailureActions, "failure actions", (b) => {
      const count = b.view.getUint32(24, true);
      const at = readU64(b.view, 32) - b.address;
      const restartDelaysMs = Array.from({ length: count }, (_, i) => b.view.getUint32(at + 8 * i + 4, true));
      return { resetPeriodSeconds: b.view.getUint32(0, true), restartDelaysMs };
    });
  }

  failureActionsOnNonCrashFailures(): boolean {
    return this.query(Config2.FailureActionsFlag, "failure actions flag", (b) => b.view.getUint32(0, true) !== 0);
  }

  delayedAutoStart(): boolean {
    return this.query(Config2.DelayedAutoStart, "delayed auto start", (b) => b.view.getUint32(0, true) !== 0);
  }

  preshutdownTimeoutMs(): number {
    return this.query(Config2.Preshutdown, "pre-shutdown timeout", (b) => b.view.getUint32(0, true));
  }

  delete(): void {
    if (!advapi32.DeleteService(this.handle)) fail("DeleteService", this.name);
  }

  close(): void {
    advapi32.CloseServiceHandle(this.handle);
  }

  private change(level: number, block: NativeBlock, what: string): void {
    if (!advapi32.ChangeServiceConfig2W(this.handle, level, block.address as Pointer)) {
      fail("ChangeServiceConfig2W", `${this.name}: ${what}`);
    }
  }

  private changeFlag(level: number, value: number, what: string): void {
    withBlock(what, (b) => {
      b.view.setUint32(0, value, true);
      this.change(level, b, what);
    });
  }

  private query<T>(level: number, what: string, read: (block: NativeBlock) => T): T {
    return withBlock(what, (b) => {
      if (!advapi32.QueryServiceConfig2W(this.handle, level, b.address as Pointer, 7000, (b.address + 8000) as Pointer))
        fail("QueryServiceConfig2W", `${this.name}: ${what}`);
      return read(b);
    });
  }
}
