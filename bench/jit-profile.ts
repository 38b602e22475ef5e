/**
 * Where a Bun program's user time goes, by JavaScript function: perf
 * samples its user-mode CPU while JSC writes a JITDump (the address, size
 * and name of every piece of code it compiles), and each sample is named by
 * the code it fell in. `perf report` alone shows JSC's code as anonymous
 * `[JIT]` addresses, and `perf inject --jit` found nothing to inject here.
 *
 *   bun bench/jit-profile.ts [--delay-ms 2500] [--top 25] [--annotate onRecv] -- COMMAND...
 *
 * COMMAND runs pinned to core 0 under `perf record -e cpu-clock:u` (these
 * VMs have no hardware counters), sampling only after --delay-ms, so that
 * start-up and JIT tier-up stay out. Prints each function's share of the
 * samples, split by tier (Baseline, DFG, FTL), with native code by library.
 * --annotate NAME adds the disassembly of the FTL code whose name contains
 * NAME, each instruction with its samples: a sample lands on the
 * instruction after a slow one (a 64-bit division, a cache miss).
 *
 * Examples: `-- bun bench/client-js-cost.ts --rounds 1` (the client loop
 * with no kernel), `-- dist/iocp-echo bench --target 127.0.0.1:7000 -d 5`.
 * Needs perf and objdump (Debian: linux-perf, binutils).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const split = process.argv.indexOf("--");
if (split < 0 || split === process.argv.length - 1) {
  console.error("usage: bun bench/jit-profile.ts [--delay-ms N] [--top N] [--annotate NAME] -- COMMAND...");
  process.exit(2);
}
const { values } = parseArgs({
  args: process.argv.slice(2, split),
  options: {
    "delay-ms": { type: "string", default: "2500" },
    top: { type: "string", default: "25" },
    annotate: { type: "string" },
  },
});
const command = process.argv.slice(split + 1);

interface CodeLoad {
  start: number;
  end: number;
  name: string;
  code: Uint8Array;
}

/** JIT_CODE_LOAD records of a JITDump file (the format of perf's tools/perf/Documentation/jitdump-specification.txt). */
function readJitDump(path: string): CodeLoad[] {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const loads: CodeLoad[] = [];
  // The header: magic, version, then its own size.
  for (let at = view.getUint32(8, true); at + 16 <= bytes.length; ) {
    const id = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size === 0) break;
    if (id === 0) {
      // record header (16 B), pid, tid, vma, code_addr, code_size, code_index, name\0, code
      const start = Number(view.getBigUint64(at + 32, true));
      const length = Number(view.getBigUint64(at + 40, true));
      const nameEnd = bytes.indexOf(0, at + 56);
      const name = new TextDecoder().decode(bytes.subarray(at + 56, nameEnd));
      loads.push({ start, end: start + length, name, code: bytes.slice(nameEnd + 1, nameEnd + 1 + length) });
    }
    at += size;
  }
  return loads.sort((a, b) => a.start - b.start);
}

/** The code an address fell in: the last one loaded there (JSC reuses freed code memory). */
function codeAt(loads: CodeLoad[], ip: number): CodeLoad | null {
  let lo = 0;
  let hi = loads.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (loads[mid]!.start <= ip) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && ip - loads[i]!.start < 1 << 24; i--) if (ip < loads[i]!.end) return loads[i]!;
  return null;
}

const dir = mkdtempSync(join(tmpdir(), "jit-profile-"));
const data = join(dir, "perf.data");
const record = Bun.spawnSync(
  [
    "perf",
    "record",
    "-q",
    "-k",
    "1",
    "-e",
    "cpu-clock:u",
    "-F",
    "10000",
    "-D",
    values["delay-ms"]!,
    "-o",
    data,
    "--",
    "taskset",
    "-c",
    "0",
    ...command,
  ],
  {
    env: { ...process.env, BUN_JSC_useJITDump: "true", BUN_JSC_jitDumpDirectory: dir },
    stdout: "inherit",
    stderr: "inherit",
  },
);
if (record.exitCode !== 0) {
  console.error(`jit-profile: perf record exited with ${record.exitCode}`);
  process.exit(1);
}
const loads = readdirSync(dir)
  .filter((f) => f.startsWith("jit-") && f.endsWith(".dump"))
  .flatMap((f) => readJitDump(join(dir, f)));
const script = Bun.spawnSync(["perf", "script", "-i", data, "-F", "ip,dso"], { stderr: "ignore" });
const counts = new Map<string, number>();
const samplesAt = new Map<number, number>();
let total = 0;
for (const line of script.stdout.toString().split("\n")) {
  const [hex, dso] = line.trim().split(/\s+/);
  if (!hex) continue;
  const ip = Number.parseInt(hex, 16);
  total++;
  samplesAt.set(ip, (samplesAt.get(ip) ?? 0) + 1);
  const code = codeAt(loads, ip);
  const name =
    code?.name ??
    (dso ?? "?")
      .replace(/^\(|\)$/g, "")
      .split("/")
      .pop()!;
  counts.set(name, (counts.get(name) ?? 0) + 1);
}
console.log(`\n${total} user-mode samples after ${values["delay-ms"]} ms, ${loads.length} pieces of JIT code`);
for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${((100 * n) / total).toFixed(2).padStart(6)}%  ${String(n).padStart(6)}  ${name}`);
}

if (values.annotate) {
  const code = loads.filter((l) => l.name.includes(values.annotate!) && l.name.includes("FTL")).at(-1);
  if (!code) console.log(`\nno FTL code named like ${values.annotate}`);
  else {
    const bin = join(dir, "code.bin");
    writeFileSync(bin, code.code);
    const dis = Bun.spawnSync([
      "objdump",
      "-D",
      "-b",
      "binary",
      "-mi386:x86-64",
      `--adjust-vma=0x${code.start.toString(16)}`,
      bin,
    ]);
    console.log(`\n${code.name}: ${code.end - code.start} bytes`);
    for (const line of dis.stdout.toString().split("\n")) {
      const m = /^\s*([0-9a-f]+):/.exec(line);
      if (m) console.log(`${String(samplesAt.get(Number.parseInt(m[1]!, 16)) ?? "").padStart(5)} ${line}`);
    }
  }
}
rmSync(dir, { recursive: true, force: true });
