/**
 * The shapes of the admin API's answers, as zod schemas: the OpenAPI
 * document is generated from them, and the tests check every real answer
 * against them, so the document cannot drift from what the server sends.
 */
import { z } from "@hono/zod-openapi";

const count = z.number().int().nonnegative();

/**
 * Written by hand to match stats.ts's StatsSnapshot. It moves to core's
 * declaration of the counters once that declaration can produce it.
 */
export const StatsSchema = z
  .object({
    uptimeSeconds: z.number().nonnegative(),
    backend: z.string().openapi({ example: "io_uring" }),
    workers: count,
    connections: z.object({
      active: count,
      accepted: count,
      closed: count,
      rejected: count.describe("refused over --max-connections or during shutdown"),
      peak: count,
      idleClosed: count.describe("closed by --idle-timeout"),
    }),
    bytes: z.object({ received: count, sent: count }),
    operations: count.describe("I/O operations issued"),
    completions: count,
    errors: count.describe("operations that completed with an error"),
    loop: z.object({
      dequeues: count,
      completionsPerDequeue: z.number().nonnegative(),
      waitSeconds: z.number().nonnegative().describe("time all workers spent waiting for completions"),
      kernelWaits: count.describe("calls into io_uring_enter / GetQueuedCompletionStatusEx"),
      inlineCompletions: count.describe("IOCP results handled without a dequeue"),
      idleReleases: count.describe("receive buffers of idle connections released"),
    }),
  })
  .openapi("Stats");

export const ThreadSchema = z
  .object({
    id: count,
    threadId: count.describe("the OS thread id"),
    state: z.enum(["starting", "waiting", "running", "exited"]),
    completions: count,
    lastActivity: z.iso.datetime().nullable(),
  })
  .openapi("Thread");

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    reason: z.string().optional().describe("why not healthy: starting, shutting down, a worker failed"),
  })
  .openapi("Health");

export const ErrorSchema = z.object({ error: z.string() }).openapi("Error");

export const ShutdownSchema = z
  .object({ status: z.enum(["shutting down", "already shutting down"]) })
  .openapi("ShutdownAccepted");

export const IndexSchema = z
  .object({ endpoints: z.array(z.string()).describe("every admin path") })
  .openapi("EndpointIndex");

/** Who is answering; fixed for the life of the process. */
export const AboutSchema = z
  .object({ version: z.string(), protocols: z.array(z.enum(["tcp", "udp"])), tokenRequired: z.boolean() })
  .openapi("About");

/** One `sample` event of GET /events: everything the dashboard draws, once a second. */
export const SampleSchema = z
  .object({
    time: z.iso.datetime(),
    about: AboutSchema,
    health: HealthSchema,
    stats: StatsSchema,
    threads: z.array(ThreadSchema),
  })
  .openapi("EventSample");

export const OpenApiDocumentSchema = z
  .looseObject({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.looseObject({ title: z.string() }),
    paths: z.looseObject({}),
  })
  .openapi("OpenApiDocument");

export type Health = z.infer<typeof HealthSchema>;
export type About = z.infer<typeof AboutSchema>;
export type Sample = z.infer<typeof SampleSchema>;
