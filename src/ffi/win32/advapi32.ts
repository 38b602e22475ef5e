/**
 * advapi32 entry points for the service manager, the Event Log and the
 * registry, hand-written from the Microsoft docs (linked per entry).
 * StartServiceCtrlDispatcherW and RegisterServiceCtrlHandlerExW are not
 * here: only the native thunks call them (service-thunks.ts), through
 * addresses from GetProcAddress, because they run or call back on threads
 * Bun does not know.
 */
import { dlopen } from "bun:ffi";
import { BOOL, DWORD, HANDLE, HANDLE_RESULT, LPVOID, WORD } from "./types.ts";

/** LSTATUS: the registry functions return the error code itself. */
const LSTATUS = DWORD;

const lib = dlopen("advapi32.dll", {
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-changeserviceconfig2w
  ChangeServiceConfig2W: { args: [HANDLE, DWORD, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-closeservicehandle
  CloseServiceHandle: { args: [HANDLE], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-controlservice
  ControlService: { args: [HANDLE, DWORD, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-createservicew
  CreateServiceW: {
    args: [HANDLE, LPVOID, LPVOID, DWORD, DWORD, DWORD, DWORD, LPVOID, LPVOID, LPVOID, LPVOID, LPVOID, LPVOID],
    returns: HANDLE_RESULT,
  },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-deleteservice
  DeleteService: { args: [HANDLE], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-deregistereventsource
  DeregisterEventSource: { args: [HANDLE], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-openscmanagerw
  OpenSCManagerW: { args: [LPVOID, LPVOID, DWORD], returns: HANDLE_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-openservicew
  OpenServiceW: { args: [HANDLE, LPVOID, DWORD], returns: HANDLE_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-queryserviceconfig2w
  QueryServiceConfig2W: { args: [HANDLE, DWORD, LPVOID, DWORD, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-queryserviceconfigw
  QueryServiceConfigW: { args: [HANDLE, LPVOID, DWORD, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-queryservicestatusex
  QueryServiceStatusEx: { args: [HANDLE, DWORD, LPVOID, DWORD, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regclosekey
  RegCloseKey: { args: [HANDLE], returns: LSTATUS },
  // https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regcreatekeyexw
  RegCreateKeyExW: { args: [HANDLE, LPVOID, DWORD, LPVOID, DWORD, DWORD, LPVOID, LPVOID, LPVOID], returns: LSTATUS },
  // https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regdeletekeyw
  RegDeleteKeyW: { args: [HANDLE, LPVOID], returns: LSTATUS },
  // https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-reggetvaluew
  RegGetValueW: { args: [HANDLE, LPVOID, LPVOID, DWORD, LPVOID, LPVOID, LPVOID], returns: LSTATUS },
  // https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-registereventsourcew
  RegisterEventSourceW: { args: [LPVOID, LPVOID], returns: HANDLE_RESULT },
  // https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regsetvalueexw
  RegSetValueExW: { args: [HANDLE, LPVOID, DWORD, DWORD, LPVOID, DWORD], returns: LSTATUS },
  // https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-reporteventw
  ReportEventW: { args: [HANDLE, WORD, WORD, DWORD, LPVOID, WORD, DWORD, LPVOID, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-setservicestatus
  SetServiceStatus: { args: [HANDLE, LPVOID], returns: BOOL },
  // https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-startservicew
  StartServiceW: { args: [HANDLE, DWORD, LPVOID], returns: BOOL },
});

export const advapi32 = lib.symbols;
