/**
 * The admin API as a Hono app, built from its dependencies so tests can
 * drive it with `app.request()` and no socket. Bun.serve appears only in
 * admin/serve.ts; the routes are declared in admin/routes.ts.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import { EventStreams } from "./events.ts";
import { type AdminDeps, controlRoutes, documentRoute, endpoints, figureRoutes, pageRoutes } from "./routes.ts";
import type { Health, Sample } from "./schemas.ts";

export { tokenMatches } from "./auth.ts";
export { type AdminDeps, endpoints, openApiDocument } from "./routes.ts";

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

  // Hono's own 405, with the Allow header computed from the registered routes.
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
  pageRoutes(app, new EventStreams(sample));
  figureRoutes(app, deps, health);
  controlRoutes(app, deps);
  documentRoute(app, deps.about.version);
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.path}`, endpoints: endpoints(app) }, 404));
  app.onError((error, c) => c.json({ error: `internal error: ${error.message}` }, 500));
  return app;
}
