import { afterAll, beforeAll, expect, test } from "bun:test";
import { HistorySchema, SampleSchema } from "../../src/admin/schemas.ts";
import { readEvents } from "../fakes/sse.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("the dashboard, /events and /openapi.json answer from the real process", (t) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
  });
  afterAll(async () => expect(await server.stop()).toBe(0));

  test("GET / is the dashboard page under its CSP, carried inside the program", async () => {
    const res = await server.admin("/", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(res.headers.get("content-security-policy")).toStartWith("default-src 'none'; script-src 'sha256-");
    const html = await res.text();
    expect(html).toContain("<title>iocp-echo</title>");
    expect(html).toContain('id="chart-bytes"');
    expect(html).toContain("uPlot");
  });

  test("GET / with Accept: application/json is the endpoint index", async () => {
    const res = await server.admin("/", { headers: { accept: "application/json" } });
    const index = (await res.json()) as { endpoints: string[] };
    expect(index.endpoints).toEqual(expect.arrayContaining(["/stats", "/events", "/openapi.json", "/shutdown"]));
  });

  test("GET /events streams samples of this server", async () => {
    const res = await server.admin("/events");
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const [history, first] = await readEvents(res.body!, 2);
    expect(history!.event).toBe("history");
    HistorySchema.parse(JSON.parse(history!.data));
    const sample = SampleSchema.parse(JSON.parse(first!.data));
    expect(sample.stats.backend).toBe(server.ready.backend);
    expect(sample.threads).toHaveLength(2);
    expect(sample.health).toEqual({ status: "ok" });
  });

  test("GET /openapi.json is OpenAPI 3.1 naming every endpoint", async () => {
    const doc = (await (await server.admin("/openapi.json")).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      ["/", "/events", "/healthz", "/metrics", "/openapi.json", "/shutdown", "/stats", "/threads"].sort(),
    );
  });
});
