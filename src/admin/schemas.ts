/**
 * The shapes of the admin API's answers, as zod schemas: the OpenAPI
 * document is generated from them, and the tests check every real answer
 * against them, so the document cannot drift from what the server sends.
 */
import { z } from "@hono/zod-openapi";
import { mapStats, type StatDecl, type StatsSnapshot } from "../stats-fields.ts";

const count = z.number().int().nonnegative();

/**
 * /stats, derived from the declaration of every counter (stats-fields.ts):
 * a counter of things is a whole number, seconds and computed figures are
 * not; each carries its help text into the OpenAPI document.
 */
function statSchema(decl: StatDecl): z.ZodType {
  if (decl.kind === "label") return z.string().describe(decl.help);
  const whole = decl.kind === "row" && decl.unit !== "seconds";
  return (whole ? count : z.number().nonnegative()).describe(decl.help);
}

// Strict objects: a field /stats sends but no declaration describes fails the response check.
const declared = mapStats<z.ZodType>(statSchema, (fields) => z.strictObject(fields)) as z.ZodObject;
// `protocols` sits beside the counters (snapshot() adds it); the rest is the declaration's.
const stats: z.ZodType = declared.extend({
  protocols: z.array(z.string()).describe("the protocols echoed: tcp, and udp with --udp"),
});
// Built from the declaration, so its type is the snapshot's by construction.
export const StatsSchema = (stats as z.ZodType<StatsSnapshot>).openapi("Stats");

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
  .object({ version: z.string(), protocols: z.array(z.string()), tokenRequired: z.boolean() })
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

/** The first event of GET /events: the samples of the last five minutes, oldest first, without threads. */
export const HistorySchema = z
  .object({ points: z.array(z.object({ time: z.iso.datetime(), stats: StatsSchema })) })
  .openapi("EventHistory");

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
export type History = z.infer<typeof HistorySchema>;
