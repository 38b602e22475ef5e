/**
 * The admin API as a Hono app, built from its dependencies so tests can
 * drive it with `app.request()` and no socket. Bun.serve appears only in
 * admin/serve.ts.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { StatsSnapshot, ThreadInfo } from "../stats.ts";
import { renderMetrics } from "./metrics.ts";

export interface AdminDeps {
  stats(): StatsSnapshot;
  threads(): ThreadInfo[];
  /** Starts a graceful shutdown; false when one is already under way. */
  shutdown(): boolean;
  /** null while healthy, else why not (starting, draining, a worker died). */
  unhealthy(): string | null;
  token?: string | undefined;
}

const MAX_BODY_BYTES = 4096;
const ROUTES: Record<string, string[]> = {
  "/stats": ["GET"],
  "/threads": ["GET"],
  "/healthz": ["GET"],
  "/metrics": ["GET"],
  "/shutdown": ["POST"],
};

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Compares digests, so the time taken says nothing about the token. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

export function createAdminApp(deps: AdminDeps): Hono {
  const app = new Hono();

  app.get("/stats", (c) => c.json(deps.stats()));
  app.get("/threads", (c) => c.json(deps.threads()));
  app.get("/healthz", (c) => {
    const reason = deps.unhealthy();
    return reason === null ? c.json({ status: "ok" }) : c.json({ status: "unavailable", reason }, 503);
  });
  app.get("/metrics", (c) =>
    c.body(renderMetrics(deps.stats(), deps.threads()), 200, { "content-type": "text/plain; version=0.0.4" }),
  );
  app.post(
    "/shutdown",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413),
    }),
    (c) => {
      if (deps.token !== undefined && !tokenMatches(c.req.header("authorization"), deps.token)) {
        c.header("www-authenticate", 'Bearer realm="iocp-echo"');
        return c.json({ error: "POST /shutdown needs the header Authorization: Bearer <admin token>" }, 401);
      }
      const started = deps.shutdown();
      return c.json({ status: started ? "shutting down" : "already shutting down" }, 202);
    },
  );

  app.notFound((c) => {
    const allowed = ROUTES[c.req.path];
    if (allowed !== undefined) {
      c.header("allow", allowed.join(", "));
      return c.json({ error: `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(", ")}` }, 405);
    }
    return c.json({ error: `no such endpoint: ${c.req.path}`, endpoints: Object.keys(ROUTES) }, 404);
  });
  app.onError((error, c) => c.json({ error: `internal error: ${error.message}` }, 500));
  return app;
}
