/**
 * Native calls per echoed message of the Windows .exe, under Wine.
 *
 * Wine's timings say nothing about Windows, but the number of calls the
 * loop makes into the OS per message does carry over: one WSARecv or
 * WSASend per operation, plus the GetQueuedCompletionStatusEx calls, which
 * skip-on-success saves when operations complete at once. Figures come
 * from the server's own /stats (operations, loop.kernelWaits,
 * loop.inlineCompletions) over a run of the C load client; the client
 * verifies every byte.
 *
 *   bun bench/windows-calls.ts [--baseline OLD.exe] [--seconds 15]
 *
 * Needs what `bun run test` prepares: dist/iocp-echo.exe, its shim, the
 * Wine prefix in .wine/.
 */
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dir, "..");
const LOAD = join(ROOT, "bench/out/load");
const { values } = parseArgs({
  options: { baseline: { type: "string" }, seconds: { type: "string", default: "15" } },
});
const SECONDS = Number(values.seconds);
const WINE_ENV = { WINEPREFIX: process.env.WINEPREFIX ?? join(ROOT, ".wine"), WINEDEBUG: "-all" };

const gcc = Bun.spawnSync(["gcc", "-O2", "-o", LOAD, join(ROOT, "bench/c/load.c")], { stderr: "pipe" });
if (gcc.exitCode !== 0) throw new Error(`gcc: ${gcc.stderr.toString()}`);

const builds: [string, string][] = [["current", join(ROOT, "dist/iocp-echo.exe")]];
if (values.baseline) {
  const shim = join(dirname(values.baseline), "bcryptprimitives.dll");
  if (!existsSync(shim)) copyFileSync(join(ROOT, "dist/bcryptprimitives.dll"), shim);
  builds.unshift(["baseline", values.baseline]);
}

interface Stats {
  operations: number;
  completions: number;
  loop: { dequeues: number; kernelWaits?: number; inlineCompletions?: number };
}

async function measure(exe: string, mode: string, size: number, conns: number) {
  const server = Bun.spawn(["wine", exe, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", "2"], {
    env: { ...process.env, ...WINE_ENV },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  try {
    const reader = server.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${exe} exited before its ready line`);
      text += new TextDecoder().decode(value);
    }
    const ready = JSON.parse(text.split("\n")[0]!) as { echo: { port: number }; admin: { port: number } };
    const stats = async () => (await (await fetch(`http://127.0.0.1:${ready.admin.port}/stats`)).json()) as Stats;
    const before = await stats();
    const load = Bun.spawnSync(
      [
        LOAD,
        "--port",
        String(ready.echo.port),
        "--mode",
        mode,
        "--size",
        String(size),
        "--conns",
        String(conns),
        "--seconds",
        String(SECONDS),
      ],
      { stdout: "pipe", stderr: "pipe", timeout: (SECONDS + 30) * 1000 },
    );
    const r = JSON.parse(load.stdout.toString() || "{}") as Record<string, number>;
    const after = await stats();
    await fetch(`http://127.0.0.1:${ready.admin.port}/shutdown`, { method: "POST" });
    const msgs = r.msgs ?? 0;
    // A build from before the kernelWaits counter made one dequeue per loop turn.
    const waits = (s: Stats) => s.loop.kernelWaits ?? s.loop.dequeues;
    const ops = after.operations - before.operations;
    const kernelWaits = waits(after) - waits(before);
    const inline = (after.loop.inlineCompletions ?? 0) - (before.loop.inlineCompletions ?? 0);
    return {
      msgs,
      lost: (r.errors ?? 1) + (r.corrupted ?? 0) + (r.unreturned ?? 0),
      opsPerMsg: ops / msgs,
      waitsPerMsg: kernelWaits / msgs,
      inlinePerMsg: inline / msgs,
      callsPerMsg: (ops + kernelWaits) / msgs,
    };
  } finally {
    await Promise.race([server.exited, Bun.sleep(20_000)]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
}

const scenarios = [
  { name: "ping-pong 64 B x 50", mode: "pingpong", size: 64, conns: 50 },
  { name: "ping-pong 64 B x 1000", mode: "pingpong", size: 64, conns: 1000 },
  { name: "stream 16 KiB x 10", mode: "stream", size: 16384, conns: 10 },
  { name: "stream 64 KiB x 10", mode: "stream", size: 65536, conns: 10 },
  { name: "stream 1 MiB x 4", mode: "stream", size: 1048576, conns: 4 },
];
const lines = [
  `Native calls per echoed message, the .exe under Wine, 2 workers, ${SECONDS} s per run (counts carry over to Windows; Wine's speed does not):`,
  "",
  "| scenario | build | messages | WSARecv+WSASend | GetQueuedCompletionStatusEx | completed inline | native calls per message | lost |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
];
let lost = 0;
for (const s of scenarios) {
  for (const [name, exe] of builds) {
    const m = await measure(exe, s.mode, s.size, s.conns);
    lost += m.lost;
    lines.push(
      `| ${s.name} | ${name} | ${m.msgs} | ${m.opsPerMsg.toFixed(3)} | ${m.waitsPerMsg.toFixed(3)} | ${m.inlinePerMsg.toFixed(3)} | ${m.callsPerMsg.toFixed(3)} | ${m.lost} |`,
    );
    console.error(lines.at(-1));
  }
}
console.log(lines.join("\n"));
process.exit(lost === 0 ? 0 : 1);
