/**
 * The control path of a Windows service process, between the SCM and the
 * JavaScript main thread.
 *
 * Why native thunks and no JSCallback: ServiceMain runs on a thread the
 * SCM's dispatcher creates, and HandlerEx on the dispatcher's thread on
 * Windows but on a thread of Wine's own under Wine: neither is a thread Bun
 * knows, so a plain JSCallback must not run there. A threadsafe JSCallback
 * works under Wine for STOP but returns no value (HandlerEx then returns a
 * stray register: wrong for INTERROGATE and unsupported controls), and Bun
 * has crash reports for them called from foreign threads. So three small
 * routines compiled from service-thunks.c (256 bytes, no relocations) run
 * on those threads instead; they only post packets to a completion port
 * that the main thread polls. StartServiceCtrlDispatcherW blocks its thread
 * for the life of the service, so it gets a native thread (CreateThread on
 * DispatcherThread), not a Bun Worker: a Worker blocked in a native call
 * cannot be terminated, and this thread never runs JavaScript at all.
 *
 * SetServiceStatus may be called from any thread: the main thread reports.
 */
import type { Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { advapi32 } from "./advapi32.ts";
import { win32Code } from "./errors.ts";
import { CompletionEntries, CompletionPort } from "./completion-port.ts";
import { kernel32, PAGE_EXECUTE_READ } from "./kernel32.ts";
import { allocate, type NativeBlock, readU64, release, writeU64 } from "./native.ts";
import { SERVICE_THUNK_CODE, SERVICE_THUNK_CONTEXT_MARKER, SERVICE_THUNK_ENTRIES } from "./service-thunk-code.ts";
import { SERVICE_WIN32_OWN_PROCESS, type ServiceStatus, type StatusSink } from "./service-codes.ts";
import { isValidHandle } from "./types.ts";

/** Completion keys the thunks post (service-thunks.c). */
const KEY_STARTED = 1;
const KEY_CONTROL = 2;
const KEY_DISPATCHER_RETURNED = 3;

/** Data block layout: the thunks' context, then what the calls here need. */
const CONTEXT = 0; // ThunkContext, 64 bytes: see service-thunks.c for its fields
const CONTEXT_PORT = 32;
const CONTEXT_TABLE = 40;
const CONTEXT_HANDLER = 48;
const CONTEXT_STATUS_HANDLE = 56;
const TABLE = 64; // SERVICE_TABLE_ENTRYW[2]: {name, ServiceMain}, then the null terminator
const STATUS = 96; // SERVICE_STATUS: seven DWORDs
const OLD_PROTECT = 128;
const NAME = 256;
const DATA_BYTES = 4096;
const MAX_NAME_CHARS = 256;

export type ServiceEvent =
  | { kind: "started"; error: number }
  | { kind: "control"; control: number }
  | { kind: "dispatcher-returned"; error: number };

const wide = (text: string) => Buffer.from(`${text}\0`, "utf16le");
const ascii = (text: string) => Buffer.from(`${text}\0`, "latin1");

function procAddress(module: string, name: string): number {
  const handle = kernel32.GetModuleHandleW(wide(module));
  const address = isValidHandle(handle) ? kernel32.GetProcAddress(handle, ascii(name)) : 0;
  if (typeof address !== "number" || address === 0) {
    const error = kernel32.GetLastError();
    throw new OsError("GetProcAddress", win32Code(error), error, `${module}!${name}`);
  }
  return address;
}

/** Copies the thunks into memory that becomes execute-read before anything can call it. */
function loadThunks(contextAddress: number, oldProtect: number): NativeBlock {
  const block = allocate(DATA_BYTES, "service thunks");
  const code = new Uint8Array(block.bytes);
  code.set(SERVICE_THUNK_CODE);
  writeU64(block.view, SERVICE_THUNK_CONTEXT_MARKER, contextAddress);
  if (!kernel32.VirtualProtect(block.address as Pointer, DATA_BYTES, PAGE_EXECUTE_READ, oldProtect as Pointer)) {
    const error = kernel32.GetLastError();
    throw new OsError("VirtualProtect", win32Code(error), error, "service thunks");
  }
  kernel32.FlushInstructionCache(0xffff_ffff_ffff_ffffn, block.address as Pointer, DATA_BYTES);
  return block;
}

export class ServiceControlPath implements StatusSink {
  private readonly entries = new CompletionEntries(1);

  private constructor(
    private readonly port: CompletionPort,
    private readonly data: NativeBlock,
    private readonly code: NativeBlock,
  ) {}

  /**
   * Creates the port, loads the thunks and starts the dispatcher thread.
   * The first event is `started` when the SCM launched this process, or
   * `dispatcher-returned` with ERROR_FAILED_SERVICE_CONTROLLER_CONNECT when
   * a person did.
   */
  static open(name: string): ServiceControlPath {
    if (name.length > MAX_NAME_CHARS) throw new RangeError(`service name longer than ${MAX_NAME_CHARS} characters`);
    const port = CompletionPort.create();
    const data = allocate(DATA_BYTES, "service control");
    const v = data.view;
    // LIFETIME: the data block and the code stay allocated until the process
    // exits: the dispatcher thread and the SCM's threads hold their addresses.
    const code = loadThunks(data.address + CONTEXT, data.address + OLD_PROTECT);
    const at = (offset: number) => data.address + offset;
    writeU64(v, CONTEXT + 0, procAddress("advapi32.dll", "StartServiceCtrlDispatcherW"));
    writeU64(v, CONTEXT + 8, procAddress("advapi32.dll", "RegisterServiceCtrlHandlerExW"));
    writeU64(v, CONTEXT + 16, procAddress("kernel32.dll", "PostQueuedCompletionStatus"));
    writeU64(v, CONTEXT + 24, procAddress("kernel32.dll", "GetLastError"));
    writeU64(v, CONTEXT_PORT, port.handle);
    writeU64(v, CONTEXT_TABLE, at(TABLE));
    writeU64(v, CONTEXT_HANDLER, code.address + SERVICE_THUNK_ENTRIES.HandlerEx);
    new Uint8Array(data.bytes, NAME).set(wide(name));
    writeU64(v, TABLE, at(NAME));
    writeU64(v, TABLE + 8, code.address + SERVICE_THUNK_ENTRIES.ServiceMain);
    const thread = kernel32.CreateThread(
      null,
      0,
      (code.address + SERVICE_THUNK_ENTRIES.DispatcherThread) as Pointer,
      at(CONTEXT) as Pointer,
      0,
      null,
    );
    if (!isValidHandle(thread)) {
      const error = kernel32.GetLastError();
      throw new OsError("CreateThread", win32Code(error), error, "service dispatcher");
    }
    kernel32.CloseHandle(thread);
    return new ServiceControlPath(port, data, code);
  }

  /** The next packet from the thunks, or null when none is waiting. Never blocks. */
  poll(): ServiceEvent | null {
    const { entries } = this;
    if (this.port.getMany(entries, 1, 0) === 0) return null;
    const key = entries.key(0);
    const bytes = entries.bytes(0);
    if (key === KEY_STARTED) return { kind: "started", error: bytes };
    if (key === KEY_CONTROL) return { kind: "control", control: bytes };
    if (key === KEY_DISPATCHER_RETURNED) return { kind: "dispatcher-returned", error: bytes };
    throw new Error(`unexpected packet on the service control port (key ${key})`);
  }

  /** SetServiceStatus with the handle ServiceMain registered. */
  report(status: ServiceStatus): void {
    const { view } = this.data;
    const handle = readU64(view, CONTEXT_STATUS_HANDLE);
    if (handle === 0) throw new Error("the service status handle is not registered yet");
    const words = [
      SERVICE_WIN32_OWN_PROCESS,
      status.state,
      status.accepted,
      status.win32ExitCode,
      status.serviceExitCode,
      status.checkPoint,
      status.waitHintMs,
    ];
    for (const [i, word] of words.entries()) view.setUint32(STATUS + 4 * i, word >>> 0, true);
    if (!advapi32.SetServiceStatus(handle, (this.data.address + STATUS) as Pointer)) {
      const error = kernel32.GetLastError();
      throw new OsError("SetServiceStatus", win32Code(error), error, `state ${status.state}`);
    }
  }

  /** Only once the dispatcher thread has returned: the SCM may still call in before that. */
  close(): void {
    this.port.close();
    this.entries.dispose();
    release(this.data);
    release(this.code);
  }
}
