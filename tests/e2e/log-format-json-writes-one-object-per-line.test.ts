import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("--log-format json writes one JSON object per stderr line; stdout keeps the ready line", (t) => {
  test("every stderr line parses and carries time, level, message; shutdown names its reason", async () => {
    const server = await ServerProcess.start(t, ["--log-format", "json"]);
    expect(server.ready.event).toBe("ready"); // the ready line on stdout is unchanged
    expect(await server.stop()).toBe(0);
    const lines = server.stderrText.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(typeof r.time).toBe("string");
      expect(["error", "warn", "info", "debug"]).toContain(r.level as string);
      expect(typeof r.message).toBe("string");
    }
    expect(records).toContainEqual(
      expect.objectContaining({ level: "info", message: "shutting down (POST /shutdown)", reason: "POST /shutdown" }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({ backend: server.ready.backend, workers: 2, adminPort: server.ready.admin.port }),
    );
  });
});
