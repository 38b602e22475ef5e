/**
 * bun run bench: our server against the C limits and the peers a user would
 * pick instead, side by side in one run. Servers are pinned to core 1, the
 * load client to core 0; every server is interleaved within each round, so
 * machine noise lands on all of them alike. Server CPU per message is
 * utime+stime from /proc/PID/stat over the client's measured seconds, divided
 * by the messages the client verified. TCP scenarios are driven by c/load-uring.c
 * (io_uring, the same window and bytes as `iocp-echo bench`); the idle and
 * UDP scenarios by c/load.c (epoll).
 *
 *   bun run bench [--seconds 4] [--warmup 1] [--rounds 3] [--servers a,b] [--scenarios x,y]
 *                 [--baseline path/to/older/iocp-echo]   (before/after in one run)
 *                 [--clients c,ours]   (ours: also measure with `iocp-echo bench`, see our-client.ts)
 *                 [--netns on|off]     (on, as root: in a network namespace of its own, see netns.ts)
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuTicks, type RunCpu, runClient } from "./client-cpu.ts";
import { benchNetwork, enterBenchNamespace } from "./netns.ts";
import {
  type AgreementRow,
  agreementRows,
  agreementSummary,
  type ClientSample,
  OUR_BINARY,
  runOurClient,
  sandwichRatio,
} from "./our-client.ts";
import { UDP_CPU_RATIO_TARGET, UDP_REFERENCE, UDP_SCENARIOS, UDP_WINDOW, udpReference, waitForUdp } from "./udp.ts";

const ROOT = join(import.meta.dir, "..");
const OUT = join(import.meta.dir, "out");
const CLK_TCK = 100;
const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "4" },
    // Both TCP clients measure from this long after their connections are made.
    warmup: { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
    servers: { type: "string" },
    scenarios: { type: "string" },
    "idle-conns": { type: "string", default: "10000" },
    baseline: { type: "string" },
    clients: { type: "string", default: "c,ours" },
    results: { type: "string", default: join(import.meta.dir, "RESULTS.md") },
    netns: { type: "string", default: "on" },
  },
});
const rerun = enterBenchNamespace(args.netns!);
if (rerun !== null) process.exit(rerun);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const WITH_OURS = args.clients!.split(",").includes("ours");
const ROUNDS = Number(args.rounds);

function sh(argv: string[]): string {
  const p = Bun.spawnSync(argv, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${p.stderr.toString()}`);
  return p.stdout.toString();
}

// Build what the bench runs: the C programs, and our compiled binary.
mkdirSync(OUT, { recursive: true });
const C_PROGRAMS = [
  ["load", []],
  ["load-uring", ["-luring"]],
  ["echo-epoll", []],
  ["echo-uring", ["-luring"]],
  ["echo-uring-multishot", ["-luring"]],
  ["echo-udp", []],
  ["echo-udp-uring", ["-luring"]],
] as const;
for (const [name, extra] of C_PROGRAMS) {
  sh(["gcc", "-O2", "-Wall", "-o", join(OUT, name), join(import.meta.dir, "c", `${name}.c`), ...extra]);
}
sh([process.execPath, "build/compile.ts", "linux"]);

interface Server {
  name: string;
  /** `udp`: the command line for a UDP scenario (ours then adds --udp). */
  argv: (port: number, udp: boolean) => string[];
  /** What it serves; TCP alone when absent. */
  protocols?: readonly string[];
}
// --udp only for the UDP scenarios, so TCP figures compare like with like
// (the baseline build predates --udp).
const ours = (port: number, udp = false) => [
  "--port",
  String(port),
  "--host",
  "127.0.0.1",
  "--admin-port",
  "0",
  "--workers",
  "1",
  ...(udp ? ["--udp", "--udp-rate", "0"] : []),
];
const BOTH = ["tcp", "udp"] as const;
const ALL_SERVERS: Server[] = [
  { name: "C io_uring", argv: (p) => [join(OUT, "echo-uring"), String(p)] },
  // What multishot recv into a provided-buffer ring is worth, before building it in TypeScript.
  { name: "C io_uring, multishot recv", argv: (p) => [join(OUT, "echo-uring-multishot"), String(p)] },
  { name: "C epoll", argv: (p) => [join(OUT, "echo-epoll"), String(p)] },
  udpReference(OUT),
  // The same UDP technique as ours in C: what io_uring's per-datagram path costs before TypeScript.
  { name: "C UDP io_uring", argv: (p) => [join(OUT, "echo-udp-uring"), String(p)], protocols: ["udp"] },
  {
    name: "iocp-echo (source)",
    argv: (p, udp) => [process.execPath, join(ROOT, "src/main.ts"), ...ours(p, udp)],
    protocols: BOTH,
  },
  { name: "iocp-echo (binary)", argv: (p, udp) => [join(ROOT, "dist/iocp-echo"), ...ours(p, udp)], protocols: BOTH },
  {
    name: "iocp-echo (binary, 256 KiB ceiling)",
    argv: (p) => [join(ROOT, "dist/iocp-echo"), ...ours(p), "--buffer-size", "262144"],
  },
  { name: "Bun.listen", argv: (p) => [process.execPath, join(import.meta.dir, "servers/bun-listen.ts"), String(p)] },
  { name: "node:net (Bun)", argv: (p) => [process.execPath, join(import.meta.dir, "servers/node-net.ts"), String(p)] },
];
if (args.baseline) {
  const baseline = args.baseline;
  ALL_SERVERS.push({ name: "iocp-echo (baseline)", argv: (p) => [baseline, ...ours(p)] });
}
const SERVERS = ALL_SERVERS.filter((s) => !args.servers || args.servers.split(",").some((n) => s.name.includes(n)));

interface Scenario {
  name: string;
  mode: "pingpong" | "stream";
  size: number;
  conns: number;
  udp?: boolean;
}
const ALL_SCENARIOS: Scenario[] = [
  { name: "ping-pong 64 B x 50", mode: "pingpong", size: 64, conns: 50 },
  { name: "ping-pong 64 B x 1000", mode: "pingpong", size: 64, conns: 1000 },
  { name: "stream 16 KiB x 10", mode: "stream", size: 16384, conns: 10 },
  // Issue 11: streams of bigger messages, and ping-pong with many connections.
  { name: "stream 64 KiB x 10", mode: "stream", size: 65536, conns: 10 },
  { name: "stream 1 MiB x 4", mode: "stream", size: 1048576, conns: 4 },
  { name: "ping-pong 64 B x 10000", mode: "pingpong", size: 64, conns: 10000 },
  ...UDP_SCENARIOS,
];
const serves = (sv: Server, sc: Scenario) => (sv.protocols ?? ["tcp"]).includes(sc.udp ? "udp" : "tcp");
// A scenario none of the chosen servers serves (UDP, with only TCP servers chosen) is left out.
const SCENARIOS = ALL_SCENARIOS.filter(
  (s) =>
    (!args.scenarios || args.scenarios.split(",").some((n) => s.name.includes(n))) &&
    SERVERS.some((sv) => serves(sv, s)),
);
const serversFor = (sc: Scenario) => SERVERS.filter((sv) => serves(sv, sc));

interface Sample {
  msgsPerSec: number;
  mbPerSec: number;
  p50: number;
  p99: number;
  cpuUsPerMsg: number;
  problems: number;
  /** What the C client's `problems` are made of. */
  problemKinds: string;
  /** How busy the cores were during the C client's run. */
  cpu: RunCpu;
  /** The same server measured by `iocp-echo bench` right after the C client, when --clients has ours. */
  ours: ClientSample | null;
  /** The C client again, right after ours (when ours ran). */
  cAgain: ClientSample | null;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (s) => {
        s.end();
        return true;
      },
      () => false,
    );
    if (ok) return;
    await Bun.sleep(50);
  }
  throw new Error(`nothing listening on ${port} after ${ms} ms`);
}

let nextPort = 17_000 + Math.floor(Math.random() * 1000);
/** One run of the C load client against the server `proc` on `port`: the figures a Sample takes from it. */
async function runC(proc: Bun.Subprocess, port: number, scenario: Scenario) {
  const common = ["--port", String(port), "--mode", scenario.mode, "--size", String(scenario.size)];
  const argv = scenario.udp
    ? [join(OUT, "load"), ...common, "--udp", "1", "--window", String(UDP_WINDOW)]
    : [join(OUT, "load-uring"), ...common, "--warmup", String(WARMUP)];
  const before = cpuTicks(proc.pid);
  const client = await runClient(
    ["taskset", "-c", "0", ...argv, "--conns", String(scenario.conns), "--seconds", String(SECONDS)],
    proc.pid,
    (line) => line === "interval",
  );
  const after = cpuTicks(proc.pid);
  if (client.exitCode !== 0) throw new Error(`load client failed: ${client.stderr}`);
  const r = JSON.parse(client.stdout) as Record<string, number>;
  const msgs = r.msgs!;
  // Only load-uring.c (TCP) judges stalls; load.c's datagrams are lost, not stalled.
  const stalled = r.stalled ?? 0;
  // The server's CPU over the measured seconds when the client marked them (warm-up and drain excluded), else over the whole run.
  const serverUs = client.measured ? (client.cpu.server / 100) * r.seconds! * 1e6 : ((after - before) * 1e6) / CLK_TCK;
  return {
    cpu: client.cpu,
    msgsPerSec: msgs / r.seconds!,
    mbPerSec: r.bytes! / r.seconds! / 1e6,
    p50: r.p50_us!,
    p99: r.p99_us!,
    cpuUsPerMsg: msgs > 0 ? serverUs / msgs : Number.NaN,
    problems: r.errors! + stalled + r.corrupted! + r.unreturned!,
    problemKinds: `${r.errors} connections failed, ${stalled} stalled, ${r.corrupted} bytes corrupted, ${r.unreturned} bytes never echoed`,
  };
}

/**
 * One server process, measured by the C client; with our client too (TCP),
 * the three runs are C, ours, C again: ours is compared with both C runs
 * around it, so a machine that drifts during the three cancels out, and
 * the C client against itself shows how far two runs of one client differ
 * here at all.
 */
async function measure(server: Server, scenario: Scenario): Promise<Sample> {
  const port = nextPort++;
  const proc = Bun.spawn(["taskset", "-c", "1", ...server.argv(port, scenario.udp === true)], {
    stdout: "ignore",
    stderr: "pipe",
  });
  try {
    await (scenario.udp ? waitForUdp(port, 15_000) : waitForPort(port, 15_000));
    await Bun.sleep(200); // let a JIT-ed server settle after start-up
    const c = await runC(proc, port, scenario);
    // Our client speaks TCP only: UDP scenarios are the C client's alone.
    if (!WITH_OURS || scenario.udp) return { ...c, ours: null, cAgain: null };
    const ours = await runOurClient(proc.pid, OUR_BINARY, port, scenario, SECONDS, WARMUP, OUT);
    const again = await runC(proc, port, scenario);
    return { ...c, ours, cAgain: again };
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

interface IdleSample {
  rssBeforeMiB: number;
  rssIdleMiB: number;
  alive: number;
  problems: number;
}

/** RSS of a server holding `conns` idle connections (each echoed once first, and once after). */
async function measureIdle(server: Server, conns: number): Promise<IdleSample> {
  const port = nextPort++;
  const ready = join(OUT, `idle-ready-${port}`);
  const proc = Bun.spawn(["taskset", "-c", "1", ...server.argv(port, false)], { stdout: "ignore", stderr: "pipe" });
  try {
    await waitForPort(port, 15_000);
    await Bun.sleep(500);
    const before = rssKiB(proc.pid);
    const client = Bun.spawn(
      [
        "taskset",
        "-c",
        "0",
        join(OUT, "load"),
        "--port",
        String(port),
        "--mode",
        "idle",
        "--size",
        "64",
        "--conns",
        String(conns),
        "--seconds",
        "5",
        "--ready",
        ready,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const deadline = Date.now() + 60_000;
    while (!(await Bun.file(ready).exists()) && Date.now() < deadline) await Bun.sleep(50);
    await Bun.sleep(3500);
    const idle = rssKiB(proc.pid);
    const [out, code] = await Promise.all([new Response(client.stdout).text(), client.exited]);
    if (code !== 0) throw new Error(`idle client failed: ${await new Response(client.stderr).text()}`);
    const r = JSON.parse(out) as Record<string, number>;
    return {
      rssBeforeMiB: before / 1024,
      rssIdleMiB: idle / 1024,
      alive: r.alive!,
      problems: r.errors! + r.corrupted! + r.unreturned!,
    };
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
    await Bun.file(ready)
      .delete()
      .catch(() => {});
  }
}

const results = new Map<string, Sample[]>();
const problemsSeen: string[] = [];
function sawProblems(line: string): void {
  problemsSeen.push(line);
  console.error(line);
}
const key = (sc: Scenario, sv: Server) => `${sc.name}\u0000${sv.name}`;
for (let round = 0; round < ROUNDS; round++) {
  for (const scenario of SCENARIOS) {
    // Rotate the order each round so no server always runs first or last.
    const those = serversFor(scenario);
    const order = those.map((_, i) => those[(i + round) % those.length]!);
    for (const server of order) {
      const sample = await measure(server, scenario);
      const list = results.get(key(scenario, server)) ?? [];
      list.push(sample);
      results.set(key(scenario, server), list);
      console.error(
        `round ${round + 1}/${ROUNDS} ${scenario.name} ${server.name}: ${Math.round(sample.msgsPerSec)} msg/s, ${sample.cpuUsPerMsg.toFixed(2)} us/msg${sample.ours ? `; iocp-echo bench ${Math.round(sample.ours.msgsPerSec)} msg/s` : ""}${sample.cAgain ? `; C again ${Math.round(sample.cAgain.msgsPerSec)} msg/s` : ""}`,
      );
      // The tables only sum problems: which round, which client and what kind are kept for the report.
      const where = `round ${round + 1}, ${scenario.name}, ${server.name}`;
      if (sample.problems > 0) sawProblems(`${where}: the C client saw ${sample.problemKinds}`);
      if (sample.ours !== null && sample.ours.problems > 0)
        sawProblems(`${where}: iocp-echo bench saw ${sample.ours.problemKinds}`);
      if (sample.cAgain !== null && sample.cAgain.problems > 0)
        sawProblems(`${where}: the C client's second run saw ${sample.cAgain.problemKinds}`);
    }
  }
}

const IDLE_CONNS = Number(args["idle-conns"]);
const idleRows: string[] = [];
if (!args.scenarios || "idle".includes(args.scenarios)) {
  idleRows.push(
    `| server | RSS at start MiB | RSS with ${IDLE_CONNS} idle MiB | KiB per idle connection | within 64 MiB + 16 KiB/conn | alive after | lost/corrupt |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const server of SERVERS.filter((sv) => (sv.protocols ?? ["tcp"]).includes("tcp"))) {
    const x = await measureIdle(server, IDLE_CONNS);
    const perConn = ((x.rssIdleMiB - x.rssBeforeMiB) * 1024) / IDLE_CONNS;
    const ok = x.rssIdleMiB <= 64 + (16 * IDLE_CONNS) / 1024;
    idleRows.push(
      `| ${server.name} | ${x.rssBeforeMiB.toFixed(1)} | ${x.rssIdleMiB.toFixed(1)} | ${perConn.toFixed(2)} | ${ok ? "yes" : "**no**"} | ${x.alive} | ${x.problems} |`,
    );
    console.error(`idle ${server.name}: ${x.rssIdleMiB.toFixed(1)} MiB with ${IDLE_CONNS} connections`);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const medianCpu = (xs: RunCpu[]): RunCpu => ({
  clientCore: median(xs.map((x) => x.clientCore)),
  serverCore: median(xs.map((x) => x.serverCore)),
  client: median(xs.map((x) => x.client)),
  server: median(xs.map((x) => x.server)),
  elsewhere: median(xs.map((x) => x.elsewhere)),
});
const spread = (xs: number[]) => {
  const m = median(xs);
  return m > 0 ? (Math.max(...xs) - Math.min(...xs)) / m : 0;
};

const lines: string[] = [];
for (const scenario of SCENARIOS) {
  const row = (sv: Server) => results.get(key(scenario, sv))!;
  const refName = scenario.udp ? UDP_REFERENCE : "C io_uring";
  const refC = median(
    row(SERVERS.find((s) => s.name === refName) ?? serversFor(scenario)[0]!).map((s) => s.cpuUsPerMsg),
  );
  const bun = scenario.udp ? undefined : SERVERS.find((s) => s.name === "Bun.listen");
  const refBunCpu = bun ? median(row(bun).map((s) => s.cpuUsPerMsg)) : Number.NaN;
  const refBunRate = bun ? median(row(bun).map((s) => s.msgsPerSec)) : Number.NaN;
  lines.push(`### ${scenario.name}`, "");
  lines.push(
    `| server | msgs/s (spread) | MB/s | p50 / p99 µs | server CPU µs/msg (spread) | CPU vs ${refName} | CPU vs Bun.listen | msgs/s vs Bun.listen | lost/corrupt |`,
  );
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const sv of serversFor(scenario)) {
    const xs = row(sv);
    const rate = median(xs.map((s) => s.msgsPerSec));
    const cpu = median(xs.map((s) => s.cpuUsPerMsg));
    const lat =
      scenario.mode === "pingpong" ? `${median(xs.map((s) => s.p50))} / ${median(xs.map((s) => s.p99))}` : "-";
    lines.push(
      `| ${sv.name} | ${Math.round(rate)} (±${(spread(xs.map((s) => s.msgsPerSec)) * 50).toFixed(0)}%) | ${median(xs.map((s) => s.mbPerSec)).toFixed(1)} | ${lat} | ${cpu.toFixed(2)} (±${(spread(xs.map((s) => s.cpuUsPerMsg)) * 50).toFixed(0)}%) | ${(cpu / refC).toFixed(2)} | ${(cpu / refBunCpu).toFixed(2)} | ${(rate / refBunRate).toFixed(2)} | ${xs.reduce((n, s) => n + s.problems, 0)} |`,
    );
  }
  lines.push("");
}
// The targets of issue 4, judged on the compiled binary (what users run).
const verdicts: string[] = [
  "| scenario | CPU/msg ≤ 1.15 × C io_uring | CPU/msg ≤ 0.85 × Bun.listen | msgs/s ≥ Bun.listen | nothing lost |",
  "| --- | --- | --- | --- | --- |",
];
const byName = (name: string) => SERVERS.find((s) => s.name === name);
const [us, cRef, bunRef] = [byName("iocp-echo (binary)"), byName("C io_uring"), byName("Bun.listen")];
if (us && cRef && bunRef) {
  for (const scenario of SCENARIOS.filter((sc) => !sc.udp)) {
    const m = (sv: Server, f: (x: Sample) => number) => median(results.get(key(scenario, sv))!.map(f));
    const cpu = (sv: Server) => m(sv, (x) => x.cpuUsPerMsg);
    const rate = (sv: Server) => m(sv, (x) => x.msgsPerSec);
    const judge = (ok: boolean, figure: number) => `${ok ? "met" : "**missed**"} (${figure.toFixed(2)})`;
    const lost = results.get(key(scenario, us))!.reduce((n, x) => n + x.problems, 0);
    verdicts.push(
      `| ${scenario.name} | ${judge(cpu(us) <= 1.15 * cpu(cRef), cpu(us) / cpu(cRef))} | ${judge(cpu(us) <= 0.85 * cpu(bunRef), cpu(us) / cpu(bunRef))} | ${judge(rate(us) >= rate(bunRef), rate(us) / rate(bunRef))} | ${lost === 0 ? "met" : `**missed** (${lost})`} |`,
    );
  }
}
// Our client beside the C one: the same servers, C, ours and C again in each measurement.
// UDP scenarios have no second client to agree with.
const agreementData: AgreementRow[] = WITH_OURS
  ? SCENARIOS.filter((sc) => !sc.udp).flatMap((scenario) =>
      serversFor(scenario).map((sv) => {
        const xs = results.get(key(scenario, sv))!;
        const ours = xs.map((x) => x.ours!);
        const again = xs.map((x) => x.cAgain!);
        return {
          scenario: scenario.name,
          server: sv.name,
          c: median(xs.map((x) => x.msgsPerSec)),
          ours: median(ours.map((x) => x.msgsPerSec)),
          ratio: median(xs.map((x, i) => sandwichRatio(x.msgsPerSec, ours[i]!.msgsPerSec, again[i]!.msgsPerSec))),
          selfRatio: median(xs.map((x, i) => (x.msgsPerSec > 0 ? again[i]!.msgsPerSec / x.msgsPerSec : Number.NaN))),
          cProblems: xs.reduce((n, x) => n + x.problems, 0) + again.reduce((n, x) => n + x.problems, 0),
          ourProblems: ours.reduce((n, x) => n + x.problems, 0),
          cCpu: medianCpu(xs.map((x) => x.cpu)),
          ourCpu: medianCpu(ours.map((x) => x.cpu)),
        };
      }),
    )
  : [];
const agreement =
  agreementData.length > 0 ? [agreementSummary(agreementData), "", ...agreementRows(agreementData)] : [];
if (agreement.length > 0) console.log(`\n${agreement.join("\n")}`);
/** The UDP section, when the run had UDP scenarios. */
function udpSection(rows: string[]): string {
  return `## UDP target (issue 12), iocp-echo (binary)

UDP "lost/corrupt" counts datagrams that never came back (the load client
waits 200 ms per socket before calling them lost) plus changed ones; loss
is UDP's right, so it is reported, not a failure.

${rows.join("\n")}

`;
}
// The UDP target (issue 12): CPU per datagram against the C recvmmsg/sendmmsg server.
const udpVerdicts: string[] = [
  `| scenario | CPU/datagram ≤ ${UDP_CPU_RATIO_TARGET} × ${UDP_REFERENCE} | lost (iocp-echo) | lost (C) |`,
  "| --- | --- | --- | --- |",
];
const udpRef = byName(UDP_REFERENCE);
if (us && udpRef) {
  for (const scenario of SCENARIOS.filter((sc) => sc.udp)) {
    const xs = (sv: Server) => results.get(key(scenario, sv))!;
    const ratio = median(xs(us).map((x) => x.cpuUsPerMsg)) / median(xs(udpRef).map((x) => x.cpuUsPerMsg));
    const lost = (sv: Server) => xs(sv).reduce((n, x) => n + x.problems, 0);
    udpVerdicts.push(
      `| ${scenario.name} | ${ratio <= UDP_CPU_RATIO_TARGET ? "met" : "**missed**"} (${ratio.toFixed(2)}) | ${lost(us)} | ${lost(udpRef)} |`,
    );
  }
}
const AGREEMENT_NOTE = `Each round hits one server process three times, one client after the other:
the C client, ours, the C client again. A round's ratio is ours against the
geometric mean of the two C runs around it, and the table gives the median
of the rounds' ratios (the messages/s columns are each client's median, the
C client's from its first runs). "C again / C" is the median of the second C
run against the first: how far two runs of one client differ on this machine. "Cores busy" is from /proc/stat (softirq
included) for the client's core 0 and the server's core 1; the client
process's own share is in brackets; "elsewhere" is CPU charged to neither
client, server nor softirq, i.e. other jobs on the machine. The last column
says what limited the slower run (see bench/README.md).`;
const machine = `${cpus()[0]?.model ?? "?"} x ${cpus().length}, Linux ${release()}, Bun ${Bun.version}`;
const table = lines.join("\n");
console.log(`\n${table}\n${verdicts.join("\n")}\n\n${udpVerdicts.join("\n")}\n\n${idleRows.join("\n")}`);
const report = `# Benchmark results

Generated by \`bun run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine}. ${ROUNDS} rounds of ${SECONDS} s per server and scenario,
servers interleaved within each round; medians, with ± half the min-max spread.
Server pinned to core 1 (\`taskset -c 1\`), C load client to core 0; our server
runs one worker. "lost/corrupt" sums connection errors, corrupted bytes and
bytes never echoed, as the client verified them: it must be 0. The bench
${benchNetwork()}.

## Targets (issue 4), iocp-echo (binary)

${verdicts.join("\n")}

${udpVerdicts.length > 2 ? udpSection(udpVerdicts) : ""}## All servers

${table}
${problemsSeen.length > 0 ? `### Problems the clients saw\n\n${problemsSeen.map((p) => `- ${p}`).join("\n")}\n\n` : ""}${agreement.length > 0 ? `### The load clients agree: C (c/load-uring.c) and \`iocp-echo bench\`\n\n${AGREEMENT_NOTE}\n\n${agreement.join("\n")}\n` : ""}
### ${IDLE_CONNS} idle connections (memory)

Each connection echoes one 64-byte message, stays silent 5 s (RSS sampled
3.5 s into the silence: our server releases an idle connection's buffer
pages after 1 s, at its next once-a-second sweep), and must echo again at
the end.

${idleRows.join("\n")}
`;
// Sections from the other benchmarks (allocations, Windows calls) sit below
// this marker and survive a rerun of this one.
const MARKER = "<!-- other benchmarks: kept by bench/run.ts -->";
let kept = "";
try {
  const old = readFileSync(args.results!, "utf8");
  const at = old.indexOf(MARKER);
  if (at >= 0) kept = `\n${old.slice(at)}`;
} catch {
  // first run: nothing to keep
}
writeFileSync(args.results!, report + kept);
console.error(`wrote ${args.results}`);
