/**
 * Makes the Windows lane runnable when Wine is installed: builds the
 * ProcessPrng shim next to the .exe (Wine 8.0 lacks bcryptprimitives.dll),
 * creates a throwaway Wine prefix, and compiles the binding smoke test.
 * Returns why the lane cannot run, or null when it can.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { WINE_PREFIX, wineEnv } from "./wine-env.ts";

const ROOT = join(import.meta.dir, "../..");
const DIST = join(ROOT, "dist");

function run(argv: string[], env: Record<string, string> = {}): { ok: boolean; output: string } {
  const p = Bun.spawnSync(argv, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { ok: p.exitCode === 0, output: `${p.stdout.toString()}${p.stderr.toString()}`.trim() };
}

export function prepareWindowsLane(): string | null {
  if (Bun.which("wine") === null) return "wine is not installed (bash tests/windows/setup.sh installs it)";
  if (!existsSync(join(DIST, "iocp-echo.exe"))) return "dist/iocp-echo.exe is missing (bun run build)";
  const shim = join(DIST, "bcryptprimitives.dll");
  if (!existsSync(shim)) {
    if (Bun.which("x86_64-w64-mingw32-gcc") === null)
      return "mingw is not installed (bash tests/windows/setup.sh installs it)";
    const c = join(import.meta.dir, "process-prng-shim.c");
    const built = run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", shim, c, "-ladvapi32"]);
    if (!built.ok) return `building the ProcessPrng shim failed: ${built.output}`;
  }
  if (!existsSync(join(WINE_PREFIX, "system.reg"))) {
    mkdirSync(WINE_PREFIX, { recursive: true });
    const boot = run(["wineboot", "-i"], wineEnv(WINE_PREFIX));
    if (!boot.ok) return `wineboot -i failed: ${boot.output}`;
  }
  const smoke = run([
    process.execPath,
    "build",
    "--compile",
    "--target=bun-windows-x64",
    join(import.meta.dir, "iocp-smoke.child.ts"),
    "--outfile",
    join(DIST, "iocp-smoke.exe"),
  ]);
  if (!smoke.ok) return `compiling the IOCP smoke test failed: ${smoke.output}`;
  return null;
}
