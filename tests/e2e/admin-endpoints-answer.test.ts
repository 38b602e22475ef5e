import { afterAll, beforeAll, expect, test } from "bun:test";
import { echoOnce } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("the admin API answers every endpoint, and errors as JSON", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
    await echoOnce(server.echoPort, Buffer.from("hello"));
  });
  afterAll(async () => expect(await server.stop()).toBe(0));

  test("GET /stats", async () => {
    const res = await server.admin("/stats");
    expect(res.status).toBe(200);
    const s = (await res.json()) as Record<string, unknown> & {
      connections: object;
      uptimeSeconds: number;
      operations: number;
    };
    expect(s.backend).toBe(server.ready.backend);
    expect(s.workers).toBe(2);
    expect(s.uptimeSeconds).toBeGreaterThan(0);
    expect(s.connections).toMatchObject({ active: 0, accepted: 1, closed: 1, rejected: 0, peak: 1 });
    expect(s.bytes).toEqual({ received: 5, sent: 5 });
    expect(s.operations).toBeGreaterThanOrEqual(3);
    expect(s.errors).toBe(0);
  });

  test("GET /threads", async () => {
    const threads = (await (await server.admin("/threads")).json()) as Array<{
      id: number;
      threadId: number;
      state: string;
      completions: number;
    }>;
    expect(threads.map((w) => w.id)).toEqual([0, 1]);
    const tids = threads.map((w) => w.threadId);
    expect(new Set(tids).size).toBe(2);
    for (const w of threads) {
      expect(w.threadId).toBeGreaterThan(0);
      expect(["waiting", "running"]).toContain(w.state);
      expect(w.completions).toBeGreaterThanOrEqual(0);
    }
    expect(threads.reduce((n, w) => n + w.completions, 0)).toBeGreaterThanOrEqual(3);
  });

  test("GET /healthz", async () => {
    const res = await server.admin("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("GET /metrics is Prometheus text", async () => {
    const res = await server.admin("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE iocp_echo_connections_accepted_total counter");
    expect(text).toMatch(/^iocp_echo_bytes_sent_total\{backend="[a-z_]+"\} 5$/m);
  });

  test("unknown path: 404 JSON", async () => {
    const res = await server.admin("/nope");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain("/nope");
  });

  test("wrong method: 405 JSON with Allow", async () => {
    const res = await server.admin("/stats", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const get = await server.admin("/shutdown");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  test("an oversized body is refused with 413 and shuts nothing down", async () => {
    const res = await server.admin("/shutdown", { method: "POST", body: "x".repeat(10_000) });
    expect(res.status).toBe(413);
    expect((await server.admin("/healthz")).status).toBe(200);
  });
});
