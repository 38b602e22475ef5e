/**
 * Every admin route, each declared once: one `app.openapi(createRoute(...),
 * handler)` call gives its method, path, answers with their zod schemas, and
 * the handler. The OpenAPI document, the endpoint index, 404's list and 405's
 * Allow header are derived from what is registered here. To add an endpoint,
 * add one such call to the group it belongs to (and to AdminDeps whatever new
 * figure it needs from the server).
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { StatsSnapshot, ThreadInfo } from "../stats.ts";
import { requireToken } from "./auth.ts";
import { type EventStreams, MAX_EVENT_STREAMS } from "./events.ts";
import { renderMetrics } from "./metrics.ts";
import { DASHBOARD, PAGE_HEADERS, wantsJson } from "./page.ts";
import {
  ErrorSchema,
  type Health,
  HealthSchema,
  HistorySchema,
  IndexSchema,
  OpenApiDocumentSchema,
  SampleSchema,
  ShutdownSchema,
  StatsSchema,
  ThreadSchema,
} from "./schemas.ts";

/** What the routes need of the server. */
export interface AdminDeps {
  stats(): StatsSnapshot;
  threads(): ThreadInfo[];
  /** Starts a graceful shutdown; false when one is already under way. */
  shutdown(): boolean;
  /** null while healthy, else why not (starting, draining, a worker died). */
  unhealthy(): string | null;
  /** The program's version and the protocols it echoes, shown on the dashboard. */
  about: { version: string; protocols: string[] };
  token?: string | undefined;
}

const MAX_BODY_BYTES = 4096;
const BEARER = "bearer";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const text = (type: string, description: string) => ({ content: { [type]: { schema: z.string() } }, description });

/** Paths of every route, in the order registered (middleware excluded). */
export function endpoints(app: OpenAPIHono): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path))];
}

/** What a person or a browser looks at: the dashboard and its event stream. */
export function pageRoutes(app: OpenAPIHono, streams: EventStreams): void {
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
      path: "/events",
      summary: "Server-Sent Events: the last five minutes, then one `sample` event a second",
      description:
        "The first event, `history`, carries an EventHistory; every `sample` event after it an EventSample " +
        `(see components). At most ${MAX_EVENT_STREAMS} streams at once.`,
      responses: {
        200: text("text/event-stream", "the stream; each event's `data:` line is JSON"),
        503: json(ErrorSchema, "too many streams open; Retry-After says when to retry"),
      },
    }),
    (c) => streams.respond(c),
  );
}

/** The figures, as JSON and as Prometheus text. */
export function figureRoutes(app: OpenAPIHono, deps: AdminDeps, health: () => Health): void {
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
}

/** The one route that changes anything; guarded by the admin token when one is set. */
export function controlRoutes(app: OpenAPIHono, deps: AdminDeps): void {
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
}

/** The description of all the above; register it last. */
export function documentRoute(app: OpenAPIHono, version: string): void {
  app.openAPIRegistry.register("EventHistory", HistorySchema);
  app.openAPIRegistry.register("EventSample", SampleSchema);
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      summary: "This description",
      responses: { 200: json(OpenApiDocumentSchema, "OpenAPI 3.1") },
    }),
    // Through JSON text: the generator's type allows `undefined` members, which JSON drops.
    (c) => c.json(JSON.parse(JSON.stringify(openApiDocument(app, version))), 200),
  );
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
