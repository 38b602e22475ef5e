/** The one place the admin app meets a socket. */
import type { BoundAddress } from "../engine.ts";

/** What Bun.serve needs of the app: a Hono app qualifies. */
export interface AdminApp {
  fetch(request: Request): Response | Promise<Response>;
}

export interface AdminServer {
  address: BoundAddress;
  stop(): Promise<void>;
}

/** Throws with the address named when the port cannot be had. */
export function serveAdmin(app: AdminApp, host: string, port: number): AdminServer {
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: host,
      port,
      fetch: (request) => app.fetch(request),
      maxRequestBodySize: 64 * 1024,
      reusePort: false,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    const where = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    throw new Error(`admin API cannot listen on ${where}: ${code}`);
  }
  return {
    address: { host, port: server.port ?? port },
    stop: () => server.stop(true),
  };
}
