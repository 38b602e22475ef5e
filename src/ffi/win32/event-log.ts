/**
 * The Windows Event Log: registering a source (a registry key naming a
 * message file) and writing free-text entries to it.
 *
 * The message file is EventCreate.exe, which ships with Windows and whose
 * messages 1 to 1000 are all "%1": the entry's one string renders as
 * written, in Event Viewer and Get-WinEvent, without a message DLL of ours.
 */
import type { Pointer } from "bun:ffi";
import { OsError } from "../../os-error.ts";
import { advapi32 } from "./advapi32.ts";
import { win32Code } from "./errors.ts";
import { kernel32 } from "./kernel32.ts";
import { allocate, type NativeBlock, writeU64 } from "./native.ts";
import { isValidHandle } from "./types.ts";

/** HKEY_LOCAL_MACHINE: (HKEY)(LONG)0x80000002, sign-extended on x64. */
const HKEY_LOCAL_MACHINE = 0xffff_ffff_8000_0002n;
const KEY_SET_VALUE = 0x2;
const REG_EXPAND_SZ = 2;
const REG_DWORD = 4;
const ERROR_FILE_NOT_FOUND = 2;
const SOURCES = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application";
export const EVENT_MESSAGE_FILE = "%SystemRoot%\\System32\\EventCreate.exe";
/** EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE. */
const TYPES_SUPPORTED = 0x1 | 0x2 | 0x4;

export const EventType = { Error: 0x1, Warning: 0x2, Information: 0x4 } as const;
/** One event id per type, within EventCreate.exe's 1..1000. */
const EVENT_ID = { [EventType.Error]: 3, [EventType.Warning]: 2, [EventType.Information]: 1 };
/** ReportEventW takes at most 31,839 characters per string. */
const MAX_MESSAGE_CHARS = 31_000;
const MESSAGE_BLOCK_BYTES = 16 + 2 * (MAX_MESSAGE_CHARS + 1);

const wide = (text: string) => Buffer.from(`${text}\0`, "utf16le");

function regCheck(status: number, call: string, detail: string): void {
  if (status !== 0) throw new OsError(call, win32Code(status), status, detail);
}

/** HKLM\...\EventLog\Application\<source>: message file and types (administrators only). */
export function registerEventSource(source: string): void {
  const key = new BigUint64Array(1);
  regCheck(
    advapi32.RegCreateKeyExW(
      HKEY_LOCAL_MACHINE,
      wide(`${SOURCES}\\${source}`),
      0,
      null,
      0,
      KEY_SET_VALUE,
      null,
      key,
      null,
    ),
    "RegCreateKeyExW",
    `event source ${source}`,
  );
  const handle = key[0]!;
  try {
    const file = wide(EVENT_MESSAGE_FILE);
    regCheck(
      advapi32.RegSetValueExW(handle, wide("EventMessageFile"), 0, REG_EXPAND_SZ, file, file.byteLength),
      "RegSetValueExW",
      "EventMessageFile",
    );
    const types = Buffer.alloc(4);
    types.writeUInt32LE(TYPES_SUPPORTED);
    regCheck(
      advapi32.RegSetValueExW(handle, wide("TypesSupported"), 0, REG_DWORD, types, 4),
      "RegSetValueExW",
      "TypesSupported",
    );
  } finally {
    advapi32.RegCloseKey(handle);
  }
}

/** Removes the source's key; false when there was none. */
export function unregisterEventSource(source: string): boolean {
  const status = advapi32.RegDeleteKeyW(HKEY_LOCAL_MACHINE, wide(`${SOURCES}\\${source}`));
  if (status === ERROR_FILE_NOT_FOUND) return false;
  regCheck(status, "RegDeleteKeyW", `event source ${source}`);
  return true;
}

/** A handle to write entries under a registered source. */
export class EventSource {
  private constructor(
    private readonly handle: number,
    private readonly block: NativeBlock,
  ) {}

  static open(source: string): EventSource {
    const handle = advapi32.RegisterEventSourceW(null, wide(source));
    if (!isValidHandle(handle)) {
      const error = kernel32.GetLastError();
      throw new OsError("RegisterEventSourceW", win32Code(error), error, source);
    }
    // LIFETIME: the strings array and its text live in this block, not in a
    // small typed array the collector could move between the two writes.
    return new EventSource(handle, allocate(MESSAGE_BLOCK_BYTES, "event log message"));
  }

  /** Writes one entry; false when the Event Log refused it (never throws: logging must not stop the server). */
  report(type: (typeof EventType)[keyof typeof EventType], message: string): boolean {
    const { block } = this;
    const text = wide(message.slice(0, MAX_MESSAGE_CHARS));
    new Uint8Array(block.bytes, 16).set(text);
    writeU64(block.view, 0, block.address + 16);
    return (
      advapi32.ReportEventW(this.handle, type, 0, EVENT_ID[type], null, 1, 0, block.address as Pointer, null) !== 0
    );
  }

  close(): void {
    advapi32.DeregisterEventSource(this.handle);
  }
}
