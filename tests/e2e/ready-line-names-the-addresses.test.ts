import { expect, test } from "bun:test";
import { canConnect } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("the ready line is one JSON object naming backend, workers and real ports", (t) => {
  test("port 0 is resolved to the bound ports", async () => {
    const server = await ServerProcess.start(t, ["--workers", "3"]);
    const r = server.ready;
    expect(r.event).toBe("ready");
    expect(["io_uring", "iocp"]).toContain(r.backend);
    expect(r.workers).toBe(3);
    expect(r.echo).toEqual({ host: "127.0.0.1", port: expect.any(Number) });
    expect(r.echo.port).toBeGreaterThan(0);
    expect(r.admin.port).toBeGreaterThan(0);
    expect(await canConnect(r.echo.port)).toBe(true);
    const threads = (await (await server.admin("/threads")).json()) as unknown[];
    expect(threads).toHaveLength(3);
    expect(await server.stop()).toBe(0);
  });
});
