/**
 * Long-running reliability checks, outside the quick test run: bounded in
 * time, against the real server (source target), writing RELIABILITY.md.
 *   soak:  ping-pong from the C load client at full speed for SOAK_S seconds;
 *          server RSS and open descriptors sampled every second; growth is
 *          judged after a warm-up.
 *   10k:   10,000 connections open at once, each echoing a verified message
 *          before and after a silent spell.
 *   bun tests/reliability/run.ts [--soak-seconds 60] [--conns 10000]
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dir, "../..");
const OUT = join(ROOT, "bench/out");
const { values: args } = parseArgs({
  options: { "soak-seconds": { type: "string", default: "60" }, conns: { type: "string", default: "10000" } },
});
const SOAK_S = Number(args["soak-seconds"]);
const CONNS = Number(args.conns);
const WARMUP_S = Math.min(10, Math.floor(SOAK_S / 4));

mkdirSync(OUT, { recursive: true });
const gcc = Bun.spawnSync(["gcc", "-O2", "-o", join(OUT, "load"), join(ROOT, "bench/c/load.c")], { stderr: "pipe" });
if (gcc.exitCode !== 0) throw new Error(`gcc: ${gcc.stderr.toString()}`);

async function startServer(extra: string[] = []) {
  const proc = Bun.spawn(
    [process.execPath, join(ROOT, "src/main.ts"), "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--workers", "2", ...extra],
    { stdout: "pipe", stderr: "pipe" },
  );
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  const ready = JSON.parse(new TextDecoder().decode(value).split("\n")[0]!) as { echo: { port: number }; admin: { port: number } };
  return { proc, ready };
}

const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

interface Row {
  scenario: string;
  load: string;
  faults: string;
  inputs: string;
  lost: string;
  ok: boolean;
}
const rows: Row[] = [];

// Soak.
{
  const { proc, ready } = await startServer();
  const samples: { t: number; rss: number; fds: number }[] = [];
  const client = Bun.spawn(
    [join(OUT, "load"), "--port", String(ready.echo.port), "--mode", "pingpong", "--size", "512", "--conns", "100", "--seconds", String(SOAK_S)],
    { stdout: "pipe", stderr: "pipe" },
  );
  const started = Date.now();
  while (client.exitCode === null && Date.now() - started < (SOAK_S + 30) * 1000) {
    samples.push({ t: (Date.now() - started) / 1000, rss: rss(proc.pid), fds: fds(proc.pid) });
    await Bun.sleep(1000);
  }
  const result = JSON.parse(await new Response(client.stdout).text()) as Record<string, number>;
  const stats = (await (await fetch(`http://127.0.0.1:${ready.admin.port}/stats`)).json()) as { errors: number; connections: { active: number } };
  const after = samples.filter((s) => s.t >= WARMUP_S);
  const rssGrowth = after.length > 1 ? after.at(-1)!.rss - after[0]!.rss : 0;
  const fdRange = [Math.min(...after.map((s) => s.fds)), Math.max(...after.map((s) => s.fds))];
  await fetch(`http://127.0.0.1:${ready.admin.port}/shutdown`, { method: "POST" });
  const code = await proc.exited;
  const lost = result.errors! + result.corrupted! + result.unreturned!;
  const ok = lost === 0 && code === 0 && rssGrowth < 16 && fdRange[1]! - fdRange[0]! <= 2;
  rows.push({
    scenario: `soak ${SOAK_S} s, ping-pong 512 B x 100 connections`,
    load: `${Math.round(result.msgs! / SOAK_S)} msg/s, ${result.msgs} messages`,
    faults: `RSS ${after[0]?.rss.toFixed(1)} -> ${after.at(-1)?.rss.toFixed(1)} MiB after ${WARMUP_S} s warm-up (growth ${rssGrowth.toFixed(1)} MiB); fds ${fdRange[0]}..${fdRange[1]}; exit ${code}`,
    inputs: `${result.bytes} bytes verified; ${stats.errors} server errors`,
    lost: String(lost),
    ok,
  });
  console.error(rows.at(-1));
}

// 10k connections.
{
  const { proc, ready } = await startServer(["--max-connections", String(CONNS + 100)]);
  const before = rss(proc.pid);
  const client = Bun.spawnSync(
    [join(OUT, "load"), "--port", String(ready.echo.port), "--mode", "idle", "--size", "64", "--conns", String(CONNS), "--seconds", "3"],
    { stdout: "pipe", stderr: "pipe" },
  );
  const r = JSON.parse(client.stdout.toString() || "{}") as Record<string, number>;
  const stats = (await (await fetch(`http://127.0.0.1:${ready.admin.port}/stats`)).json()) as { connections: { peak: number; accepted: number } };
  const peakRss = rss(proc.pid);
  await fetch(`http://127.0.0.1:${ready.admin.port}/shutdown`, { method: "POST" });
  const code = await proc.exited;
  const lost = (r.errors ?? 1) + (r.corrupted ?? 0) + (r.unreturned ?? 0);
  rows.push({
    scenario: `${CONNS} connections open at once`,
    load: `${r.alive}/${CONNS} alive; peak ${stats.connections.peak} connections`,
    faults: `RSS ${before.toFixed(1)} -> ${peakRss.toFixed(1)} MiB; exit ${code}`,
    inputs: `2 verified 64 B echoes per connection (${r.msgs} messages)`,
    lost: String(lost),
    ok: lost === 0 && r.alive === CONNS && code === 0,
  });
  console.error(rows.at(-1));
}

const table = [
  "| scenario | load held | faults survived / resources | inputs tried | lost | verdict |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.scenario} | ${r.load} | ${r.faults} | ${r.inputs} | ${r.lost} | ${r.ok ? "ok" : "**FAILED**"} |`),
].join("\n");
writeFileSync(
  join(ROOT, "RELIABILITY.md"),
  `# Reliability

Generated by \`bun tests/reliability/run.ts\` on ${new Date().toISOString().slice(0, 10)} (Linux, io_uring, source target, 2 workers).
Fault scenarios (resets, half-closes, slow readers, connect storms, hostile
admin input, random interleavings) are e2e tests run on every target by
\`bun run test\`; this file covers the long runs.

${table}
`,
);
console.log(table);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
