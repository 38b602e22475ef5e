/**
 * kernel32 entry points, hand-written from the Microsoft docs (linked per
 * entry). Code outside the table calls them through a safe wrapper
 * (CompletionPort in completion-port.ts, allocate/release in native.ts) that
 * reads GetLastError straight after the call, inside the same method.
 */
import { dlopen } from "bun:ffi";
import { BOOL, DWORD, HANDLE, HANDLE_RESULT, LPVOID, LPVOID_RESULT, SIZE_T, UCHAR, ULONG, ULONG_PTR } from "./types.ts";

const lib = dlopen("kernel32.dll", {
  // https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-cancelioex
  CancelIoEx: { args: [HANDLE, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/handleapi/nf-handleapi-closehandle
  CloseHandle: { args: [HANDLE], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/fileio/createiocompletionport
  CreateIoCompletionPort: { args: [HANDLE, HANDLE, ULONG_PTR, DWORD], returns: HANDLE_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-createthread
  CreateThread: { args: [LPVOID, SIZE_T, LPVOID, LPVOID, DWORD, LPVOID], returns: HANDLE_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-flushinstructioncache
  FlushInstructionCache: { args: [HANDLE, LPVOID, SIZE_T], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-getcurrentthreadid
  GetCurrentThreadId: { args: [], returns: DWORD },
  // https://learn.microsoft.com/en-us/windows/win32/api/errhandlingapi/nf-errhandlingapi-getlasterror
  GetLastError: { args: [], returns: DWORD },
  // https://learn.microsoft.com/en-us/windows/win32/api/libloaderapi/nf-libloaderapi-getmodulehandlew
  GetModuleHandleW: { args: [LPVOID], returns: HANDLE_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/libloaderapi/nf-libloaderapi-getprocaddress
  GetProcAddress: { args: [HANDLE, LPVOID], returns: LPVOID_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/fileio/getqueuedcompletionstatusex-func
  GetQueuedCompletionStatusEx: { args: [HANDLE, LPVOID, ULONG, LPVOID, DWORD, BOOL], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/fileio/postqueuedcompletionstatus
  PostQueuedCompletionStatus: { args: [HANDLE, DWORD, ULONG_PTR, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes
  SetFileCompletionNotificationModes: { args: [HANDLE, UCHAR], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/memoryapi/nf-memoryapi-virtualalloc
  VirtualAlloc: { args: [LPVOID, SIZE_T, DWORD, DWORD], returns: LPVOID_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/memoryapi/nf-memoryapi-virtualfree
  VirtualFree: { args: [LPVOID, SIZE_T, DWORD], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/memoryapi/nf-memoryapi-virtualprotect
  VirtualProtect: { args: [LPVOID, SIZE_T, DWORD, LPVOID], returns: BOOL },
});

export const kernel32 = lib.symbols;

export const INFINITE = 0xffffffff;
export const WAIT_TIMEOUT = 258;
export const ERROR_IO_PENDING = 997;
export const MEM_COMMIT = 0x1000;
export const MEM_RESERVE = 0x2000;
export const MEM_DECOMMIT = 0x4000;
export const MEM_RELEASE = 0x8000;
export const PAGE_READWRITE = 0x04;
export const PAGE_EXECUTE_READ = 0x20;
/** CancelIoEx found nothing to cancel: the operation had already completed. */
export const ERROR_NOT_FOUND = 1168;
/** SetFileCompletionNotificationModes: a success at once queues no packet, and sets no event. */
export const FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;
export const FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;
