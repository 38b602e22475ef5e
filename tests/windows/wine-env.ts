/**
 * The environment of every Wine process the tests and benches start: the
 * throwaway test prefix, Wine's own debug output off, and no crash
 * debugger. By default a Windows program that crashes starts
 * `winedbg --auto` in the prefix; in one CI run a process crashed while the
 * prefix booted, its winedbg never exited, and some minutes later every new
 * Wine process hung in its first wineserver request (31 tests failed). With
 * winedbg.exe disabled a crashing program just ends, with Wine's one-line
 * "Unhandled page fault" on stderr and a non-zero exit, which the test that
 * ran it reports.
 */
import { join } from "node:path";

export const WINE_PREFIX = process.env.WINEPREFIX ?? join(import.meta.dir, "../..", ".wine");

export function wineEnv(prefix = WINE_PREFIX): Record<string, string> {
  const overrides = process.env.WINEDLLOVERRIDES;
  return {
    WINEPREFIX: prefix,
    WINEDEBUG: "-all",
    WINEDLLOVERRIDES: overrides ? `${overrides};winedbg.exe=d` : "winedbg.exe=d",
  };
}
