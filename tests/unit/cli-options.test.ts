import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, type OptionTable, optionHelp, parseOptions, type Sources } from "../../src/cli/options.ts";
import { testDir } from "../temp-dir.ts";

/** A table shaped like bench's: numbers with short aliases, an enum, booleans, an optional text. */
const TABLE = {
  connections: {
    schema: z.number().int().min(1).max(1000),
    accepts: "an integer from 1 to 1000",
    fallback: 10,
    kind: "number",
    short: "c",
    value: "N",
    help: "concurrent connections (default 10)",
  },
  size: {
    schema: z.number().int().min(1),
    accepts: "a positive number of bytes",
    fallback: 64,
    kind: "number",
    short: "l",
    value: "B",
    help: "message size",
  },
  mode: {
    schema: z.enum(["pingpong", "stream"]),
    accepts: "one of pingpong, stream",
    fallback: "pingpong",
    value: "M",
    help: "pingpong or stream",
  },
  udp: { schema: z.boolean(), accepts: "true or false", fallback: false, kind: "boolean", help: "use UDP" },
  json: { schema: z.boolean(), accepts: "true or false", fallback: true, kind: "boolean", help: "JSON output" },
  duration: {
    schema: z.number().positive(),
    accepts: "a positive number of seconds",
    fallback: 10,
    kind: "number",
    short: "d",
    value: "S",
    help: "how long",
  },
  target: {
    schema: z.string().min(1),
    accepts: "HOST:PORT",
    fallback: undefined as string | undefined,
    value: "HOST:PORT",
    help: "where to connect",
  },
} as const satisfies OptionTable;

const REQUIRED = { target: { ...TABLE.target, required: true } } as const satisfies OptionTable;

const dir = testDir("iocp-echo-options-");
function file(content: object): string {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

function values(argv: string[], sources: Sources = {}) {
  const parsed = parseOptions(TABLE, argv, sources);
  if (parsed.kind !== "run") throw new Error(`expected values, got ${parsed.kind}`);
  return parsed;
}

function refusal(argv: string[], sources: Sources = {}): string {
  try {
    parseOptions(TABLE, argv, sources);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("one declaration gives flags, short aliases, environment and file keys", () => {
  test("defaults fill what no source gives, and `given` holds only what a source set", () => {
    const parsed = values(["-c", "5"]);
    const defaults = { size: 64, mode: "pingpong", udp: false, json: true, duration: 10, target: undefined } as const;
    expect(parsed.values).toEqual({ connections: 5, ...defaults });
    expect(parsed.given).toEqual({ connections: 5 });
  });
  test("a short alias and its long flag are the same option", () => {
    expect(values(["-l", "1024"]).values.size).toBe(1024);
    expect(values(["--size=1024"]).values.size).toBe(1024);
  });
  test("precedence: defaults < file < environment < flags", () => {
    const path = file({ connections: 2, size: 128, mode: "stream" });
    const env = { IOCP_ECHO_CONNECTIONS: "3", IOCP_ECHO_SIZE: "256" };
    const sources = { env, configFile: true };
    expect(values(["--config", path, "-c", "4"], sources).values).toMatchObject({ connections: 4, size: 256 });
    expect(values(["--config", path], sources).values).toMatchObject({ connections: 3, mode: "stream" });
    expect(values([], { env: { IOCP_ECHO_CONFIG: path }, configFile: true }).values.connections).toBe(2);
  });
  test("without sources only flags count: the environment is ignored and --config is unknown", () => {
    expect(values([], {}).values.connections).toBe(10);
    expect(refusal(["--config", "x.json"])).toBe("unknown option --config (see --help)");
  });
});

describe("numbers and required options", () => {
  test("a number may have a fraction when its schema allows one", () => {
    expect(values(["-d", "0.5"]).values.duration).toBe(0.5);
    expect(refusal(["-c", "1.5"])).toBe("--connections: must be an integer from 1 to 1000; got 1.5");
  });
  test("hexadecimal and exponent text stay text and are refused as such", () => {
    expect(refusal(["-c", "0x10"])).toBe('--connections: must be an integer from 1 to 1000; got "0x10"');
    expect(refusal(["-d", "1e3"])).toBe('--duration: must be a positive number of seconds; got "1e3"');
  });
  test("a required option missing from every source is refused by name", () => {
    expect(() => parseOptions(REQUIRED, [])).toThrow("--target: required; must be HOST:PORT");
    const parsed = parseOptions(REQUIRED, ["--target", "127.0.0.1:6000"]);
    expect(parsed.kind === "run" && parsed.values.target.length).toBe(14);
  });
});

describe("booleans from every source", () => {
  test("a flag sets true", () => expect(values(["--udp"]).values.udp).toBe(true));
  for (const [text, expected] of [
    ["1", true],
    ["true", true],
    ["0", false],
    ["false", false],
  ] as const) {
    test(`the environment's ${JSON.stringify(text)} is ${expected}`, () => {
      expect(values([], { env: { IOCP_ECHO_UDP: text, IOCP_ECHO_JSON: text } }).values).toMatchObject({
        udp: expected,
        json: expected,
      });
    });
  }
  test("the file's JSON boolean", () => {
    expect(values([], { configFile: true, env: { IOCP_ECHO_CONFIG: file({ udp: true }) } }).values.udp).toBe(true);
  });
  test("another word in the environment is refused with the words it accepts", () => {
    expect(refusal([], { env: { IOCP_ECHO_UDP: "yes" } })).toBe(
      'IOCP_ECHO_UDP: must be 1, true, 0 or false; got "yes"',
    );
  });
  test("a string in the file is refused naming the file and key", () => {
    const path = file({ udp: "true" });
    expect(refusal(["--config", path], { configFile: true })).toBe(`${path}: udp: must be true or false; got "true"`);
  });
  test("a boolean flag takes no value", () => expect(refusal(["--udp=1"])).toBe("--udp: takes no value"));
});

describe("every refusal names where the value came from and what is accepted", () => {
  test("a short alias is reported by its long flag", () => {
    expect(refusal(["-c", "0"])).toBe("--connections: must be an integer from 1 to 1000; got 0");
  });
  test("an environment value", () => {
    expect(refusal([], { env: { IOCP_ECHO_MODE: "burst" } })).toBe(
      'IOCP_ECHO_MODE: must be one of pingpong, stream; got "burst"',
    );
  });
  test("a file key", () => {
    const path = file({ size: 0 });
    expect(refusal(["--config", path], { configFile: true })).toBe(
      `${path}: size: must be a positive number of bytes; got 0`,
    );
  });
  test("an unknown file key lists the accepted ones", () => {
    const path = file({ conections: 1 });
    expect(refusal(["--config", path], { configFile: true })).toMatch(/unknown option "conections" \(accepted: connec/);
  });
  test("--help and --version are answered before any value is judged", () => {
    expect(parseOptions(TABLE, ["-c", "0", "--help"]).kind).toBe("help");
    expect(parseOptions(TABLE, ["-v"]).kind).toBe("version");
  });
});

test("the help lines come from the table, aliases and placeholders included", () => {
  const help = optionHelp(TABLE);
  expect(help).toContain("  --connections, -c N   concurrent connections (default 10)\n");
  expect(help).toContain("  --udp                 use UDP\n");
  expect(help).toContain("  --target HOST:PORT    where to connect\n");
  expect(help).not.toContain("--config");
  expect(help.endsWith("  --help, --version\n")).toBe(true);
});
