import { describe, expect, test } from "bun:test";
import { renderMetrics } from "../../src/admin/metrics.ts";
import { Field, FIELD_COUNT, mapStats, STAT_LIST, type StatDecl } from "../../src/stats-fields.ts";
import { snapshot, StatsLayout, StatsWriter, threadInfo } from "../../src/stats.ts";

/** Every key of /stats as users and tests know it, in order. */
const STATS_KEYS = {
  uptimeSeconds: "number",
  backend: "string",
  workers: "number",
  connections: {
    active: "number",
    accepted: "number",
    closed: "number",
    rejected: "number",
    peak: "number",
    idleClosed: "number",
  },
  bytes: { received: "number", sent: "number" },
  operations: "number",
  completions: "number",
  errors: "number",
  loop: {
    dequeues: "number",
    completionsPerDequeue: "number",
    waitSeconds: "number",
    kernelWaits: "number",
    inlineCompletions: "number",
    idleReleases: "number",
    receiveBufferBytes: "number",
    bufferCalls: "number",
  },
  udp: {
    received: "number",
    echoed: "number",
    truncated: "number",
    dropped: { reflectionPort: "number", ownPort: "number", rate: "number" },
    bytes: { received: "number", sent: "number" },
    peerGone: "number",
    errors: "number",
    operations: "number",
  },
};

function shape(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return typeof value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
}

function sampleLayout() {
  const layout = StatsLayout.create(2);
  const a = new StatsWriter(layout, 0);
  const b = new StatsWriter(layout, 1);
  for (let f = 0; f < FIELD_COUNT; f++) {
    a.local[f] = f + 1;
    b.local[f] = 2 * (f + 1);
  }
  a.publish();
  b.publish();
  a.tryOpenConnection(10);
  return layout;
}

describe("the stats declarations", () => {
  test("/stats keeps its shape and key order", () => {
    const s = snapshot(sampleLayout(), "io_uring", 0, 1000, ["tcp", "udp"]);
    // The declared values, then the protocols the echo port serves.
    expect(shape(s)).toEqual({ ...STATS_KEYS, protocols: { 0: "string", 1: "string" } });
    expect(Object.keys(s)).toEqual([...Object.keys(STATS_KEYS), "protocols"]);
    expect(s.protocols).toEqual(["tcp", "udp"]);
    const { protocols: _, ...declared } = s;
    expect(JSON.stringify(shape(declared))).toBe(JSON.stringify(STATS_KEYS));
  });

  test("row cells are numbered 0.. without gaps or repeats", () => {
    const indices = Object.values(Field).sort((x, y) => x - y);
    expect(indices).toEqual(Array.from({ length: FIELD_COUNT }, (_, i) => i));
  });

  test("a counter's /stats value is the sum of the workers' cells", () => {
    const s = snapshot(sampleLayout(), "io_uring", 0, 1000);
    expect(s.connections.accepted).toBe(3 * (Field.Accepted + 1));
    expect(s.loop.waitSeconds).toBe(3 * (Field.WaitSeconds + 1));
    expect(s.connections.active).toBe(1);
    expect(s.loop.completionsPerDequeue).toBe((Field.Completions + 1) / (Field.Dequeues + 1));
  });

  test("metric names are unique, counters end in _total, every one has help", () => {
    const text = renderMetrics(snapshot(sampleLayout(), "iocp", 0, 0), []);
    const names = [...text.matchAll(/^# TYPE (\S+) (counter|gauge)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(new Set(names.map(([n]) => n)).size).toBe(names.length);
    for (const [name, type] of names) expect(name.endsWith("_total")).toBe(type === "counter");
    const exported = STAT_LIST.filter(({ decl }) => decl.kind !== "label" && decl.metric !== null);
    expect(names.length).toBe(exported.length + 1); // and completions per worker
    for (const { decl } of STAT_LIST) expect(decl.help.length).toBeGreaterThan(0);
  });

  test("/metrics samples carry the /stats values", () => {
    const s = snapshot(sampleLayout(), "iocp", 0, 2000);
    const text = renderMetrics(s, threadInfo(sampleLayout()));
    expect(text).toContain(`iocp_echo_connections_accepted_total{backend="iocp"} ${s.connections.accepted}\n`);
    expect(text).toContain(`iocp_echo_uptime_seconds{backend="iocp"} 2\n`);
    expect(text).toContain(`iocp_echo_worker_completions_total{worker="1"} ${2 * (Field.Completions + 1)}\n`);
  });

  test.skipIf(Bun.which("promtool") === null)("/metrics passes promtool check metrics", () => {
    const layout = sampleLayout();
    const text = renderMetrics(snapshot(layout, "io_uring", 0, 1000), threadInfo(layout));
    const run = Bun.spawnSync(["promtool", "check", "metrics"], { stdin: new TextEncoder().encode(text) });
    expect(run.stderr.toString() + run.stdout.toString()).toBe("");
    expect(run.exitCode).toBe(0);
  });

  test("mapStats gives a schema builder every value with its help, nested like /stats", () => {
    const leaves: string[] = [];
    const tree = mapStats<unknown>(
      (d: StatDecl, path) => {
        leaves.push(path.join("."));
        return d.kind === "label" ? "string" : "number";
      },
      (fields) => fields,
    );
    expect(tree).toEqual(STATS_KEYS);
    expect(leaves).toEqual(STAT_LIST.map(({ path }) => path.join(".")));
  });
});
