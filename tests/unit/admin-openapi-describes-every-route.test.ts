import { describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { createAdminApp } from "../../src/admin/app.ts";
import { MAX_EVENT_STREAMS } from "../../src/admin/events.ts";
import { ErrorSchema, HistorySchema, SampleSchema } from "../../src/admin/schemas.ts";
import { fakeAdminDeps } from "../fakes/admin-deps.ts";
import { readEvents } from "../fakes/sse.ts";

const TOKEN = "correct-horse-battery";
type Doc = { openapi: string; paths: Record<string, Record<string, { security?: unknown }>>; components: object };

/** Requests that reach every documented answer of each route, given the route's path. */
const EXERCISE: Record<string, RequestInit[]> = {
  "/": [{ headers: { accept: "text/html" } }, { headers: { accept: "application/json" } }],
  "/shutdown": [
    { method: "POST" },
    { method: "POST", body: "x".repeat(5000), headers: { "content-length": "5000" } },
    { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } },
  ],
};

async function body(res: Response, type: string): Promise<unknown> {
  if (type === "application/json") return res.json();
  if (type !== "text/event-stream") return res.text();
  const [history, sample] = await readEvents(res.body!, 2);
  // The stream's documented schema is text; each event's data has a schema of its own.
  expect([history!.event, sample!.event]).toEqual(["history", "sample"]);
  HistorySchema.parse(JSON.parse(history!.data));
  SampleSchema.parse(JSON.parse(sample!.data));
  return sample!.data;
}

describe("GET /openapi.json", () => {
  const healthy = createAdminApp(fakeAdminDeps({ token: TOKEN }));
  const unhealthy = createAdminApp(fakeAdminDeps({ unhealthy: () => "worker 1 failed" }));
  const document = async () => (await (await healthy.request("/openapi.json")).json()) as Doc;

  test("is OpenAPI 3.1 and names every registered route with its method", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const registered = healthy.routes.filter((r) => r.method !== "ALL");
    expect(registered.length).toBeGreaterThanOrEqual(8);
    const missing = registered.filter((r) => doc.paths[r.path]?.[r.method.toLowerCase()] === undefined);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  test("puts the bearer scheme on POST /shutdown and nowhere else", async () => {
    const doc = await document();
    expect(doc.components).toMatchObject({ securitySchemes: { bearer: { type: "http", scheme: "bearer" } } });
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        expect([`${method} ${path}`, op.security]).toEqual([
          `${method} ${path}`,
          path === "/shutdown" ? [{ bearer: [] }] : undefined,
        ]);
      }
    }
  });

  test("every real answer of every route matches its documented schema, and every documented answer occurs", async () => {
    const seen = new Set<string>();
    const documented = new Set<string>();
    for (const definition of healthy.openAPIRegistry.definitions) {
      if (definition.type !== "route") continue;
      const { method, path, responses } = definition.route;
      for (const status of Object.keys(responses)) documented.add(`${method} ${path} ${status}`);
      const inits = EXERCISE[path] ?? [{}];
      const apps = path === "/healthz" ? [healthy, unhealthy] : [healthy];
      for (const app of apps) {
        for (const init of inits) {
          const res = await app.request(path, { method: method.toUpperCase(), ...init });
          const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
          const answer = responses[res.status];
          const media = answer !== undefined && "content" in answer ? answer.content?.[type] : undefined;
          const schema = media !== undefined && "schema" in media ? media.schema : undefined;
          expect(`${method} ${path} -> ${res.status} ${type}: ${schema instanceof z.ZodType}`).toEndWith(": true");
          (schema as z.ZodType).parse(await body(res, type));
          seen.add(`${method} ${path} ${res.status}`);
        }
      }
    }
    // The events cap: the one answer the loop above cannot reach with one request.
    const app = createAdminApp(fakeAdminDeps());
    const open = await Promise.all(Array.from({ length: MAX_EVENT_STREAMS }, () => app.request("/events")));
    const refused = await app.request("/events");
    expect(refused.status).toBe(503);
    ErrorSchema.parse(await refused.json());
    seen.add(`get /events ${refused.status}`);
    await Promise.all(open.map((r) => r.body!.cancel()));
    expect([...documented].filter((d) => !seen.has(d))).toEqual([]);
  });
});
