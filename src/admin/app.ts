/**
 * The admin API as a Hono app, built from its dependencies so tests can
 * drive it with `app.request()` and no socket. Bun.serve appears only in
 * admin/serve.ts.
 *
 * Each route is declared once, by one `app.openapi(createRoute(...), handler)`
 * call: its method, path, answers and their zod schemas. The OpenAPI document,
 * the endpoint index, 404's list and 405's Allow header are all derived from
 * the routes registered here.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { StatsSnapshot, ThreadInfo } from "../stats.ts";
import { EventStreams } from "./events.ts";
import { renderMetrics } from "./metrics.ts";
import { DASHBOARD, PAGE_HEADERS, wantsJson } from "./page.ts";
import {
  ErrorSchema,
  HealthSchema,
  IndexSchema,
  OpenApiDocumentSchema,
  SampleSchema,
  ShutdownSchema,
  StatsSchema,
  ThreadSchema,
  type Health,
  type Sample,
} from "./schemas.ts";

export interface AdminDeps {
  stats(): StatsSnapshot;
  threads(): ThreadInfo[];
  /** Starts a graceful shutdown; false when one is already under way. */
  shutdown(): boolean;
  /** null while healthy, else why not (starting, draining, a worker died). */
  unhealthy(): string | null;
  /** The program's version and the protocols it echoes, shown on the dashboard. */
  about: { version: string; protocols: ("tcp" | "udp")[] };
  token?: string | undefined;
}

const MAX_BODY_BYTES = 4096;
const BEARER = "bearer";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Compares digests, so the time taken says nothing about the token. Hono's
 * bearerAuth compares in constant time too, but answers 400 to a malformed
 * header where this API promises 401, and refuses tokens with characters that
 * --admin-token accepts (RFC 6750's token68 alphabet is narrower).
 */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token !== undefined && !tokenMatches(c.req.header("authorization"), token)) {
      c.header("www-authenticate", 'Bearer realm="iocp-echo"');
      return c.json({ error: "POST /shutdown needs the header Authorization: Bearer <admin token>" }, 401);
    }
    await next();
  };
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const text = (type: string, description: string) => ({ content: { [type]: { schema: z.string() } }, description });

/** Paths of every route, in the order registered (middleware excluded). */
export function endpoints(app: OpenAPIHono): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path))];
}

export function createAdminApp(deps: AdminDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  const health = (): Health => {
    const reason = deps.unhealthy();
    return reason === null ? { status: "ok" } : { status: "unavailable", reason };
  };
  const sample = (): Sample => ({
    time: new Date().toISOString(),
    about: { ...deps.about, tokenRequired: deps.token !== undefined },
    health: health(),
    stats: deps.stats(),
    threads: deps.threads(),
  });
  const streams = new EventStreams(sample);

  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allowed = methods.join(", ");
        return c.json({ error: `${c.req.method} is not allowed on ${c.req.path}; use ${allowed}` }, 405, {
          allow: allowed,
        });
      },
    }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "The live dashboard; with Accept: application/json, the endpoint index",
      responses: {
        200: {
          content: { "text/html": { schema: z.string() }, "application/json": { schema: IndexSchema } },
          description: "HTML page under a strict Content-Security-Policy, or the index",
        },
      },
    }),
    (c) =>
      wantsJson(c.req.header("accept"))
        ? c.json({ endpoints: endpoints(app) }, 200, PAGE_HEADERS)
        : c.html(DASHBOARD.html, 200, PAGE_HEADERS),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/stats",
      summary: "Counters summed over all workers",
      responses: { 200: json(StatsSchema, "the current totals") },
    }),
    (c) => c.json(deps.stats(), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/threads",
      summary: "One entry per worker",
      responses: { 200: json(z.array(ThreadSchema), "every worker, by id") },
    }),
    (c) => c.json(deps.threads(), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Health verdict",
      responses: { 200: json(HealthSchema, "healthy"), 503: json(HealthSchema, "not healthy, with the reason") },
    }),
    (c) => {
      const verdict = health();
      return verdict.status === "ok" ? c.json(verdict, 200) : c.json(verdict, 503);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      summary: "The counters in the Prometheus text format 0.0.4",
      responses: { 200: text("text/plain", "Prometheus exposition") },
    }),
    (c) => c.body(renderMetrics(deps.stats(), deps.threads()), 200, { "content-type": "text/plain; version=0.0.4" }),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/events",
      summary: "Server-Sent Events: one `sample` event a second",
      description: `Each event's data is an EventSample (see components). At most a few streams at once.`,
      responses: {
        200: text("text/event-stream", "the stream; each `data:` line is an EventSample in JSON"),
        503: json(ErrorSchema, "too many streams open; Retry-After says when to retry"),
      },
    }),
    (c) => streams.respond(c),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/shutdown",
      summary: "Graceful stop: stop accepting, drain, exit 0",
      security: [{ [BEARER]: [] }],
      middleware: [
        bodyLimit({
          maxSize: MAX_BODY_BYTES,
          onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413),
        }),
        requireToken(deps.token),
      ] as const,
      responses: {
        202: json(ShutdownSchema, "shutdown started (or already under way)"),
        401: json(ErrorSchema, "an admin token is set and the request did not carry it"),
        413: json(ErrorSchema, `request body over ${MAX_BODY_BYTES} bytes`),
      },
    }),
    (c) => c.json({ status: deps.shutdown() ? "shutting down" : "already shutting down" } as const, 202),
  );
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER, {
    type: "http",
    scheme: "bearer",
    description: "the --admin-token; needed only when one is set",
  });
  app.openAPIRegistry.register("EventSample", SampleSchema);
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      summary: "This description",
      responses: { 200: json(OpenApiDocumentSchema, "OpenAPI 3.1") },
    }),
    // Through JSON text: the generator's type allows `undefined` members, which JSON drops.
    (c) => c.json(JSON.parse(JSON.stringify(openApiDocument(app, deps.about.version))), 200),
  );

  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.path}`, endpoints: endpoints(app) }, 404));
  app.onError((error, c) => c.json({ error: `internal error: ${error.message}` }, 500));
  return app;
}

export function openApiDocument(app: OpenAPIHono, version: string) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "iocp-echo admin API",
      version,
      description: "Live figures and control of one iocp-echo server. JSON unless stated.",
    },
  });
}
