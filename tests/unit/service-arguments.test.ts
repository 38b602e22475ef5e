import { describe, expect, test } from "bun:test";
import { parseServiceArgs, type ServiceRequest } from "../../src/cli/service-request.ts";
import { ConfigError } from "../../src/config.ts";

function request(argv: string[]): ServiceRequest {
  const r = parseServiceArgs(argv);
  if (r === "help") throw new Error("expected a request");
  return r;
}

function refusal(argv: string[]): string {
  try {
    parseServiceArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("service arguments", () => {
  test("install defaults to the name iocp-echo and an automatic start; serve options pass through", () => {
    expect(request(["install", "--port", "7", "--workers=2"])).toEqual({
      action: "install",
      name: "iocp-echo",
      start: "auto",
      json: false,
      serveArgs: ["--port", "7", "--workers=2"],
    });
  });

  test("--name, --start and --json are taken in both spellings", () => {
    expect(request(["install", "--name=edge", "--start", "delayed"])).toMatchObject({ name: "edge", start: "delayed" });
    expect(request(["status", "--name", "edge", "--json"])).toMatchObject({ name: "edge", json: true });
  });

  test("no action, or --help anywhere, asks for help", () => {
    expect(parseServiceArgs([])).toBe("help");
    expect(parseServiceArgs(["install", "--port", "7", "--help"])).toBe("help");
  });

  test("each wrong argument is named", () => {
    expect(refusal(["restart"])).toContain('unknown action "restart"');
    expect(refusal(["start", "--name", "bad name"])).toContain("--name: must be 1 to 80 letters");
    expect(refusal(["start", "--name"])).toContain("--name: needs a value");
    expect(refusal(["install", "--start", "sometimes"])).toContain("--start: must be one of auto, delayed, manual");
    expect(refusal(["start", "--start", "manual"])).toContain("--start: only for service install");
    expect(refusal(["stop", "--json"])).toContain("--json: only for service status");
    expect(refusal(["stop", "--port", "7"])).toContain("serve options go to install only");
  });
});
