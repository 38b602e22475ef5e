/**
 * bun run build: one self-contained executable per platform in dist/.
 * The worker is an extra entrypoint in the same folder as main.ts, which is
 * what compiled executables need to find it at run time.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const TARGETS = [
  { target: "bun-linux-x64", outfile: "dist/iocp-echo" },
  { target: "bun-windows-x64", outfile: "dist/iocp-echo.exe" },
] as const;

const only = process.argv[2];
mkdirSync(join(ROOT, "dist"), { recursive: true });
for (const { target, outfile } of TARGETS) {
  if (only !== undefined && !target.includes(only)) continue;
  const started = performance.now();
  const proc = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      `--target=${target}`,
      "src/main.ts",
      "src/worker.ts",
      "src/bench-worker.ts",
      "--outfile",
      outfile,
    ],
    { cwd: ROOT, stdout: "inherit", stderr: "inherit" },
  );
  if (proc.exitCode !== 0) {
    console.error(`build: ${target} failed (exit ${proc.exitCode})`);
    process.exit(1);
  }
  console.log(`build: ${outfile} (${target}) in ${Math.round(performance.now() - started)} ms`);
}
