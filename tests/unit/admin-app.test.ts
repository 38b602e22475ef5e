import { describe, expect, test } from "bun:test";
import { createAdminApp, tokenMatches } from "../../src/admin/app.ts";
import { fakeAdminDeps as deps } from "../fakes/admin-deps.ts";

describe("admin app", () => {
  test("GET /stats is the snapshot", async () => {
    const res = await createAdminApp(deps()).request("/stats");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { backend: string }).backend).toBe("fake");
  });

  test("GET /threads lists each worker", async () => {
    const body = (await (await createAdminApp(deps()).request("/threads")).json()) as unknown[];
    expect(body).toHaveLength(2);
  });

  test("POST /shutdown without a token configured: 202, then 202 'already'", async () => {
    const d = deps();
    const app = createAdminApp(d);
    const first = await app.request("/shutdown", { method: "POST" });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ status: "shutting down" });
    const second = await app.request("/shutdown", { method: "POST" });
    expect(await second.json()).toEqual({ status: "already shutting down" });
  });

  test("POST /shutdown with a token: 401 and no shutdown without it", async () => {
    const d = deps({ token: "correct-horse" });
    const app = createAdminApp(d);
    for (const authorization of [undefined, "Bearer wrong", "correct-horse", "Basic correct-horse"]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      expect((await app.request("/shutdown", { method: "POST", headers })).status).toBe(401);
    }
    expect(d.shutdowns).toBe(0);
    const ok = await app.request("/shutdown", { method: "POST", headers: { authorization: "Bearer correct-horse" } });
    expect(ok.status).toBe(202);
    expect(d.shutdowns).toBe(1);
  });

  test("/healthz is 503 with the reason when unhealthy", async () => {
    const res = await createAdminApp(deps({ unhealthy: () => "worker 1 failed" })).request("/healthz");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable", reason: "worker 1 failed" });
  });

  test("/metrics is Prometheus text with per-worker lines", async () => {
    const text = await (await createAdminApp(deps()).request("/metrics")).text();
    expect(text).toContain('iocp_echo_worker_completions_total{worker="1"} 7');
    expect(text).toContain('iocp_echo_connections_active{backend="fake"} 0');
  });

  test("404 and 405 are JSON", async () => {
    const app = createAdminApp(deps());
    const missing = await app.request("/admin");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/json");
    const wrong = await app.request("/threads", { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD");
    expect(((await wrong.json()) as { error: string }).error).toBe("POST is not allowed on /threads; use GET, HEAD");
  });

  test("a body over the limit is 413 and does not shut down", async () => {
    const d = deps();
    const res = await createAdminApp(d).request("/shutdown", {
      method: "POST",
      body: "x".repeat(5000),
      headers: { "content-length": "5000" },
    });
    expect(res.status).toBe(413);
    expect(d.shutdowns).toBe(0);
  });

  test("token comparison accepts only the exact bearer token", () => {
    expect(tokenMatches("Bearer abcdefgh", "abcdefgh")).toBe(true);
    expect(tokenMatches("Bearer abcdefg", "abcdefgh")).toBe(false);
    expect(tokenMatches("Bearer abcdefghi", "abcdefgh")).toBe(false);
    expect(tokenMatches(undefined, "abcdefgh")).toBe(false);
  });
});
