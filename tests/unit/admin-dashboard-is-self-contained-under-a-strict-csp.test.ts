import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createAdminApp } from "../../src/admin/app.ts";
import { fakeAdminDeps } from "../fakes/admin-deps.ts";

const app = createAdminApp(fakeAdminDeps());
const page = () => app.request("/", { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
const directives = (csp: string) =>
  new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
      .map(([k, ...v]) => [k, v]),
  );
const inlineBlocks = (html: string, tag: string) =>
  [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => m[1]!);
const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

describe("GET / in a browser", () => {
  test("is HTML under a CSP that allows only its own inline scripts and styles, by hash", async () => {
    const res = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    const csp = directives(res.headers.get("content-security-policy") ?? "");
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'none'"]);
    expect(csp.get("form-action")).toEqual(["'none'"]);
    const html = await res.text();
    const scripts = inlineBlocks(html, "script");
    const styles = inlineBlocks(html, "style");
    expect(scripts).toHaveLength(2);
    expect(styles).toHaveLength(1);
    expect(csp.get("script-src")?.sort()).toEqual(scripts.map(hash).sort());
    expect(csp.get("style-src")).toEqual(styles.map(hash));
    for (const values of csp.values()) expect(values).not.toContain("'unsafe-inline'");
  });

  test("fetches nothing from elsewhere, sets no cookie, and is not cached or framed", async () => {
    const res = await page();
    const html = await res.text();
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).toContain("uPlot"); // the charting library is inlined
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("vary")).toBe("accept");
  });

  test("a script asking for JSON gets the endpoint index, as 404 lists it", async () => {
    const res = await app.request("/", { headers: { accept: "application/json" } });
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const index = (await res.json()) as { endpoints: string[] };
    const missing = (await (await app.request("/nope")).json()) as { endpoints: string[] };
    expect(index.endpoints).toEqual(missing.endpoints);
    expect(index.endpoints).toEqual(
      expect.arrayContaining([
        "/",
        "/stats",
        "/threads",
        "/healthz",
        "/metrics",
        "/events",
        "/shutdown",
        "/openapi.json",
      ]),
    );
  });
});
