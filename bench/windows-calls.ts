/**
 * Native calls per echoed message of the Windows .exe, under Wine.
 *
 * Wine's timings say nothing about Windows, but the number of calls the
 * loop makes into the OS per message does carry over: one WSARecv or
 * WSASend per operation, plus the GetQueuedCompletionStatusEx calls, which
 * skip-on-success saves when operations complete at once. Figures come
 * from the server's own /stats (operations, loop.kernelWaits,
 * loop.inlineCompletions) over a run of the C load client; the client
 * verifies every byte. The UDP scenarios run the .exe with --udp and count
 * WSARecvFrom + WSASendTo (udp.operations) per datagram instead.
 *
 *   bun bench/windows-calls.ts [--baseline OLD.exe] [--seconds 15] [--scenarios stream,udp,...]
 *
 * Needs what `bun run test` prepares: dist/iocp-echo.exe, its shim, the
 * Wine prefix in .wine/.
 */
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { wineEnv } from "../tests/windows/wine-env.ts";

const ROOT = join(import.meta.dir, "..");
const LOAD = join(ROOT, "bench/out/load");
const { values } = parseArgs({
  options: {
    baseline: { type: "string" },
    seconds: { type: "string", default: "15" },
    scenarios: { type: "string" },
    "idle-conns": { type: "string", default: "1000" },
  },
});
const SECONDS = Number(values.seconds);
const WINE_ENV = wineEnv();

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
  loop: {
    dequeues: number;
    kernelWaits?: number;
    inlineCompletions?: number;
    bufferCalls?: number;
    receiveBufferBytes?: number;
  };
  udp?: { operations: number };
}

/** The .exe under Wine, up to its ready line; `stats` reads its /stats. */
async function startServer(exe: string, udp = false) {
  const args = ["--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", "2"];
  const server = Bun.spawn(["wine", exe, ...args, ...(udp ? ["--udp", "--udp-rate", "0"] : [])], {
    env: { ...process.env, ...WINE_ENV },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = server.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${exe} exited before its ready line`);
    text += new TextDecoder().decode(value);
  }
  const ready = JSON.parse(text.split("\n")[0]!) as { echo: { port: number }; admin: { port: number } };
  const stats = async () => (await (await fetch(`http://127.0.0.1:${ready.admin.port}/stats`)).json()) as Stats;
  const stop = async () => {
    await fetch(`http://127.0.0.1:${ready.admin.port}/shutdown`, { method: "POST" }).catch(() => {});
    await Promise.race([server.exited, Bun.sleep(20_000)]);
    if (server.exitCode === null) server.kill("SIGKILL");
  };
  return { ready, stats, stop };
}

async function measure(exe: string, mode: string, size: number, conns: number, udp: boolean) {
  const { ready, stats, stop } = await startServer(exe, udp);
  try {
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
        ...(udp ? ["--udp", "1", "--window", "4"] : []),
      ],
      { stdout: "pipe", stderr: "pipe", timeout: (SECONDS + 30) * 1000 },
    );
    const r = JSON.parse(load.stdout.toString() || "{}") as Record<string, number>;
    const after = await stats();
    const msgs = r.msgs ?? 0;
    // A build from before the kernelWaits counter made one dequeue per loop turn.
    const waits = (s: Stats) => s.loop.kernelWaits ?? s.loop.dequeues;
    const ops = udp
      ? (after.udp?.operations ?? 0) - (before.udp?.operations ?? 0)
      : after.operations - before.operations;
    const kernelWaits = waits(after) - waits(before);
    const inline = (after.loop.inlineCompletions ?? 0) - (before.loop.inlineCompletions ?? 0);
    // Commits and decommits of receive memory are native calls too (builds before adaptive receives made none).
    const bufferCalls = (after.loop.bufferCalls ?? 0) - (before.loop.bufferCalls ?? 0);
    return {
      msgs,
      lost: (r.errors ?? 1) + (r.corrupted ?? 0) + (r.unreturned ?? 0),
      opsPerMsg: ops / msgs,
      waitsPerMsg: kernelWaits / msgs,
      inlinePerMsg: inline / msgs,
      bufferCallsPerMsg: bufferCalls / msgs,
      callsPerMsg: (ops + kernelWaits + bufferCalls) / msgs,
    };
  } finally {
    await stop();
  }
}

/**
 * Committed receive memory per connection, from /stats: once all `conns`
 * have echoed one 64-byte message, and again 3.5 s into their silence (idle
 * connections park on a zero-byte read after a second). Builds without
 * loop.receiveBufferBytes give null: their buffers were committed whole, always.
 */
async function measureIdle(exe: string, conns: number) {
  const { ready, stats, stop } = await startServer(exe);
  const readyFile = join(ROOT, `bench/out/wine-idle-ready-${process.pid}`);
  try {
    const load = Bun.spawn(
      [LOAD, "--port", String(ready.echo.port), "--mode", "idle", "--size", "64", "--conns", String(conns)].concat([
        "--seconds",
        "5",
        "--ready",
        readyFile,
      ]),
      { stdout: "pipe", stderr: "pipe" },
    );
    const deadline = Date.now() + 120_000;
    while (!existsSync(readyFile) && Date.now() < deadline) await Bun.sleep(50);
    const bytes = async () => (await stats()).loop.receiveBufferBytes ?? null;
    const busy = await bytes();
    await Bun.sleep(3500);
    const idle = await bytes();
    const [out, code] = await Promise.all([new Response(load.stdout).text(), load.exited]);
    const r = JSON.parse(out || "{}") as Record<string, number>;
    return {
      busy,
      idle,
      lost: code === 0 ? (r.errors ?? 1) + (r.corrupted ?? 0) + (r.unreturned ?? 0) + conns - (r.alive ?? 0) : 1,
    };
  } finally {
    rmSync(readyFile, { force: true });
    await stop();
  }
}

const scenarios = [
  { name: "ping-pong 64 B x 50", mode: "pingpong", size: 64, conns: 50 },
  { name: "ping-pong 64 B x 1000", mode: "pingpong", size: 64, conns: 1000 },
  { name: "stream 16 KiB x 10", mode: "stream", size: 16384, conns: 10 },
  { name: "stream 64 KiB x 10", mode: "stream", size: 65536, conns: 10 },
  { name: "stream 1 MiB x 4", mode: "stream", size: 1048576, conns: 4 },
  { name: "udp 64 B x 50", mode: "pingpong", size: 64, conns: 50, udp: true },
  { name: "udp 1400 B x 50", mode: "pingpong", size: 1400, conns: 50, udp: true },
].filter((s) => !values.scenarios || values.scenarios.split(",").some((n) => s.name.includes(n)));
const lines = [
  `Native calls per echoed message, the .exe under Wine, 2 workers, ${SECONDS} s per run (counts carry over to Windows; Wine's speed does not):`,
  "",
  "| scenario | build | messages | WSARecv+WSASend (UDP: WSARecvFrom+WSASendTo) | GetQueuedCompletionStatusEx | VirtualAlloc+VirtualFree | completed inline | native calls per message | lost |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];
let lost = 0;
for (const s of scenarios) {
  for (const [name, exe] of builds) {
    const udp = "udp" in s && s.udp === true;
    const m = await measure(exe, s.mode, s.size, s.conns, udp);
    // A datagram may be lost (Wine drains a socket slowly); a byte of a TCP stream may not.
    if (!udp) lost += m.lost;
    lines.push(
      `| ${s.name} | ${name} | ${m.msgs} | ${m.opsPerMsg.toFixed(3)} | ${m.waitsPerMsg.toFixed(3)} | ${m.bufferCallsPerMsg.toFixed(3)} | ${m.inlinePerMsg.toFixed(3)} | ${m.callsPerMsg.toFixed(3)} | ${m.lost} |`,
    );
    console.error(lines.at(-1));
  }
}
const IDLE_CONNS = Number(values["idle-conns"]);
if (IDLE_CONNS > 0) {
  const kib = (b: number | null) => (b === null ? "- (whole buffer, always)" : (b / IDLE_CONNS / 1024).toFixed(2));
  lines.push(
    "",
    `Committed receive memory per connection (/stats loop.receiveBufferBytes), ${IDLE_CONNS} connections each echoed once:`,
    "",
    "| build | KiB per connection after its echo | KiB per connection 3.5 s into silence | lost |",
    "| --- | --- | --- | --- |",
  );
  for (const [name, exe] of builds) {
    const m = await measureIdle(exe, IDLE_CONNS);
    lost += m.lost;
    lines.push(`| ${name} | ${kib(m.busy)} | ${kib(m.idle)} | ${m.lost} |`);
    console.error(lines.at(-1));
  }
}
console.log(lines.join("\n"));
process.exit(lost === 0 ? 0 : 1);
