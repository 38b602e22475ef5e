/*
 * The native half of the Windows service control path: three routines that
 * run on threads Bun does not know, so no JavaScript may run on them.
 *
 * - DispatcherThread: the routine of a thread made with CreateThread. It
 *   blocks in StartServiceCtrlDispatcherW for the life of the service and
 *   posts KEY_DISPATCHER_RETURNED (bytes: 0 or the error) when that returns.
 * - ServiceMain: called by the dispatcher on a thread the SCM's dispatcher
 *   creates. Registers HandlerEx, leaves the status handle in the context,
 *   posts KEY_STARTED (bytes: 0 or the error) and returns; the service keeps
 *   running until SERVICE_STOPPED is reported (allowed by the ServiceMain
 *   docs: "it's OK to return").
 * - HandlerEx: called on the dispatcher's thread on Windows and on a thread
 *   of Wine's own under Wine. Posts STOP, SHUTDOWN and PRESHUTDOWN to the
 *   port (KEY_CONTROL, bytes: the control) and returns NO_ERROR; answers
 *   INTERROGATE with NO_ERROR (the SCM keeps the last reported status) and
 *   every other control with ERROR_CALL_NOT_IMPLEMENTED. It returns within
 *   a PostQueuedCompletionStatus, as the SCM wants.
 *
 * JavaScript on the main thread takes the packets off the port. The code
 * makes no call by name and holds no relocation: every function it calls
 * comes through the context, whose address DispatcherThread and HandlerEx
 * receive as their parameter and ServiceMain (which has none) reads from
 * the 8-byte marker that the loader overwrites.
 *
 * Rebuilt and compared byte for byte by tests/unit/service-thunks-match-their-source.test.ts;
 * regenerate service-thunk-code.ts with `bun build/service-thunks.ts`.
 */
#include <windows.h>

typedef struct ThunkContext {
  BOOL(WINAPI *startDispatcher)(const SERVICE_TABLE_ENTRYW *);                      /* 0 */
  SERVICE_STATUS_HANDLE(WINAPI *registerHandler)(LPCWSTR, LPHANDLER_FUNCTION_EX, LPVOID); /* 8 */
  BOOL(WINAPI *post)(HANDLE, DWORD, ULONG_PTR, LPOVERLAPPED);                      /* 16 */
  DWORD(WINAPI *lastError)(void);                                                   /* 24 */
  HANDLE port;                                                                      /* 32 */
  SERVICE_TABLE_ENTRYW *table;                                                      /* 40 */
  LPHANDLER_FUNCTION_EX handler;                                                    /* 48 */
  SERVICE_STATUS_HANDLE status; /* written by ServiceMain */                        /* 56 */
} ThunkContext;

enum { KEY_STARTED = 1, KEY_CONTROL = 2, KEY_DISPATCHER_RETURNED = 3 };

/* One movabs whose immediate the loader replaces with the context's address. */
static inline ThunkContext *patchedContext(void) {
  ThunkContext *context;
  __asm__ volatile("movabsq $0x5eC7C0DE5eC7C0DE, %0" : "=r"(context));
  return context;
}

DWORD WINAPI DispatcherThread(LPVOID parameter) {
  ThunkContext *c = parameter;
  DWORD result = c->startDispatcher(c->table) ? NO_ERROR : c->lastError();
  c->post(c->port, result, KEY_DISPATCHER_RETURNED, NULL);
  return result;
}

VOID WINAPI ServiceMain(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  ThunkContext *c = patchedContext();
  SERVICE_STATUS_HANDLE status = c->registerHandler(c->table->lpServiceName, c->handler, c);
  DWORD result = status != NULL ? NO_ERROR : c->lastError();
  c->status = status;
  c->post(c->port, result, KEY_STARTED, NULL);
}

DWORD WINAPI HandlerEx(DWORD control, DWORD eventType, LPVOID eventData, LPVOID context) {
  (void)eventType;
  (void)eventData;
  ThunkContext *c = context;
  switch (control) {
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN:
      c->post(c->port, control, KEY_CONTROL, NULL);
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}
