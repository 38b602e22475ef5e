/*
 * bcryptprimitives.dll for Wine 8.0, which lacks it: Bun's Windows runtime
 * imports ProcessPrng from it. Forward to RtlGenRandom (advapi32's
 * SystemFunction036). Built from source by tests/windows/setup.sh; the
 * binary is never committed, and on real Windows the system DLL is used.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
