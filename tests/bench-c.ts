/**
 * The bench's C programs (bench/c/*.c) for the suites that drive a server
 * with them: compiled into bench/out, where `bun run bench` puts them too,
 * once per process and afresh, so a binary left from an older source cannot
 * stand in for the current one. gcc is on every machine CI uses; programs
 * on io_uring also need liburing (Debian liburing-dev).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const BENCH_OUT = join(ROOT, "bench/out");
const built = new Set<string>();

/** The path of bench/out/NAME, compiled from bench/c/NAME.c with `libs` (e.g. "-luring") the first time it is asked for. */
export function benchProgram(name: string, libs: string[] = []): string {
  const binary = join(BENCH_OUT, name);
  if (built.has(name)) return binary;
  mkdirSync(BENCH_OUT, { recursive: true });
  const source = join(ROOT, "bench/c", `${name}.c`);
  const gcc = Bun.spawnSync(["gcc", "-O2", "-Wall", "-o", binary, source, ...libs], { stderr: "pipe" });
  if (gcc.exitCode !== 0) throw new Error(`gcc bench/c/${name}.c: ${gcc.stderr.toString()}`);
  built.add(name);
  return binary;
}
