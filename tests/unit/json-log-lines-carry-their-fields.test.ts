import { describe, expect, test } from "bun:test";
import { parseServeArgs } from "../../src/config.ts";
import { createLogger, formatLine } from "../../src/log.ts";

function capture(format: "text" | "json", level: "error" | "info" | "debug" = "info") {
  const lines: string[] = [];
  return { lines, log: createLogger(level, format, (line) => lines.push(line)) };
}

describe("log lines", () => {
  test("json: one object per line with time, level, message and the fields", () => {
    const { lines, log } = capture("json");
    log.warn("drain timeout (5000 ms): closing 3 connections", { connections: 3 });
    log.error("worker 1 failed: boom\n    at loop", { worker: 1, code: "ECONNRESET" });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.endsWith("\n")).toBe(true);
      expect(line.slice(0, -1)).not.toContain("\n"); // a stack stays inside its string
    }
    const [warn, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warn).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: "warn",
      message: "drain timeout (5000 ms): closing 3 connections",
      connections: 3,
    });
    expect(error).toMatchObject({ level: "error", message: "worker 1 failed: boom\n    at loop", worker: 1 });
    expect(error!.code).toBe("ECONNRESET");
    expect(Object.keys(warn!).slice(0, 3)).toEqual(["time", "level", "message"]);
  });

  test("json: a field named like a fixed member cannot replace it", () => {
    const line = JSON.parse(formatLine("json", new Date(0), "info", "hello", { level: "error", message: "forged" }));
    expect(line).toEqual({ time: "1970-01-01T00:00:00.000Z", level: "info", message: "hello" });
  });

  test("text: the time, level and message, as before; fields are for machines", () => {
    expect(formatLine("text", new Date(0), "info", "stopped", { exitCode: 0 })).toBe(
      "1970-01-01T00:00:00.000Z info stopped\n",
    );
  });

  test("lines under the configured level are not written, in either format", () => {
    for (const format of ["text", "json"] as const) {
      const { lines, log } = capture(format, "error");
      log.info("quiet");
      log.debug("quieter");
      log.error("loud");
      expect(lines).toHaveLength(1);
    }
  });

  test("--log-format takes text or json, text by default, and names what it accepts otherwise", () => {
    const format = (argv: string[], env: Record<string, string> = {}) => {
      const parsed = parseServeArgs(argv, { env });
      return parsed.kind === "run" ? parsed.values.logFormat : parsed.kind;
    };
    expect(format([])).toBe("text");
    expect(format(["--log-format", "json"])).toBe("json");
    expect(format([], { IOCP_ECHO_LOG_FORMAT: "json" })).toBe("json");
    expect(() => format(["--log-format", "xml"])).toThrow('--log-format: must be one of text, json; got "xml"');
  });
});
