import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type EchoConfig, parseServeArgs, SERVE_SOURCES } from "../../src/config.ts";
import { testDir } from "../temp-dir.ts";

/** serve's arguments read the way `iocp-echo serve` reads them: file, environment and flags. */
const parseCli = (argv: string[], env: Record<string, string>) => parseServeArgs(argv, SERVE_SOURCES(env));

const dir = testDir("iocp-echo-unit-");
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function run(argv: string[], env: Record<string, string> = {}): EchoConfig {
  const r = parseCli(argv, env);
  if (r.kind !== "run") throw new Error(`expected a run, got ${r.kind}`);
  return r.values;
}

function refusal(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseCli(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration defaults", () => {
  test("match the contract", () => {
    const c = run([]);
    expect(c).toMatchObject({
      port: 6000,
      host: "0.0.0.0",
      adminPort: 9000,
      adminHost: "127.0.0.1",
      bufferSize: 65_536,
      maxConnections: 10000,
      idleTimeout: 0,
      keepalive: 300_000,
      drainTimeout: 5000,
      backend: "auto",
      logLevel: "info",
      adminToken: undefined,
    });
    expect(c.workers).toBeGreaterThanOrEqual(1);
  });
});

describe("configuration precedence: defaults < file < environment < flags", () => {
  const path = file("layers.json", JSON.stringify({ port: 7001, workers: 3, bufferSize: 4096 }));
  test("the file overrides defaults", () => {
    expect(run(["--config", path]).port).toBe(7001);
  });
  test("the environment overrides the file", () => {
    const c = run(["--config", path], { IOCP_ECHO_PORT: "7002" });
    expect([c.port, c.workers]).toEqual([7002, 3]);
  });
  test("flags override the environment", () => {
    const c = run(["--config", path, "--port=7003"], { IOCP_ECHO_PORT: "7002", IOCP_ECHO_WORKERS: "5" });
    expect([c.port, c.workers, c.bufferSize]).toEqual([7003, 5, 4096]);
  });
  test("IOCP_ECHO_CONFIG names the file when --config does not", () => {
    expect(run([], { IOCP_ECHO_CONFIG: path }).port).toBe(7001);
  });
  test("an empty environment variable counts as unset", () => {
    expect(run([], { IOCP_ECHO_PORT: "" }).port).toBe(6000);
  });
});

describe("configuration refusals name the option and what it accepts", () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ["port too high", ["--port", "65536"], {}, /^--port: must be an integer from 0 to 65535.*got 65536/],
    ["negative port", ["--port=-1"], {}, /^--port: must be an integer from 0 to 65535/],
    ["a dash value without =", ["--port", "-1"], {}, /^--port: a value starting with "-" must be written --port=VALUE/],
    ["port not a number", ["--port", "60x"], {}, /^--port: .*got "60x"/],
    ["fractional workers", ["--workers", "1.5"], {}, /^--workers: must be an integer from 1 to 256/],
    ["zero workers", ["--workers", "0"], {}, /^--workers: must be an integer from 1 to 256/],
    ["tiny buffer", ["--buffer-size", "10"], {}, /^--buffer-size: must be a number of bytes from 64 to 16777216/],
    ["zero max connections", ["--max-connections", "0"], {}, /^--max-connections: must be an integer from 1/],
    ["negative idle timeout", ["--idle-timeout=-5"], {}, /^--idle-timeout: must be milliseconds from 0/],
    [
      "keepalive under a second",
      ["--keepalive", "500"],
      {},
      /^--keepalive: must be milliseconds from 1000 to 86400000, or 0 \(off\); got 500/,
    ],
    ["host name instead of address", ["--host", "example.com"], {}, /^--host: must be an IPv4 or IPv6 address/],
    ["unknown backend", ["--backend", "kqueue"], {}, /^--backend: must be one of auto, iocp, io_uring/],
    ["unknown log level", ["--log-level", "loud"], {}, /^--log-level: must be one of error, warn, info, debug/],
    ["short token", ["--admin-token", "abc"], {}, /^--admin-token: must be 8 to 512 printable characters/],
    ["unknown flag", ["--bogus"], {}, /^unknown option --bogus/],
    ["flag without a value", ["--port"], {}, /^--port: needs a value/],
    ["stray positional argument", ["6000"], {}, /^unexpected argument "6000"/],
    [
      "bad environment value",
      [],
      { IOCP_ECHO_ADMIN_PORT: "ninety" },
      /^IOCP_ECHO_ADMIN_PORT: must be an integer from 0 to 65535/,
    ],
    [
      "public admin host without a token",
      ["--admin-host", "0.0.0.0"],
      {},
      /^--admin-host 0\.0\.0\.0 is not a loopback address/,
    ],
  ];
  for (const [name, argv, env, message] of cases) {
    test(name, () => expect(refusal(argv, env)).toMatch(message));
  }

  test("a public admin host with a token is accepted", () => {
    expect(run(["--admin-host", "0.0.0.0", "--admin-token", "long-enough-token"]).adminHost).toBe("0.0.0.0");
  });
  test("IPv6 loopback admin host needs no token", () => {
    expect(run(["--admin-host", "::1"]).adminHost).toBe("::1");
  });
});

describe("config file problems", () => {
  test("missing file", () =>
    expect(refusal(["--config", join(dir, "nope.json")])).toMatch(/^--config: cannot read .*ENOENT/));
  test("malformed JSON", () => expect(refusal(["--config", file("bad.json", "{")])).toMatch(/is not valid JSON/));
  test("not an object", () =>
    expect(refusal(["--config", file("arr.json", "[1]")])).toMatch(/must hold a JSON object/));
  test("unknown key", () =>
    expect(refusal(["--config", file("key.json", '{"prot": 1}')])).toMatch(
      /unknown option "prot" \(accepted: port, host/,
    ));
  test("wrong type names the file and key", () =>
    expect(refusal(["--config", file("type.json", '{"port": "6000"}')])).toMatch(
      /type\.json: port: must be an integer.*got "6000"/,
    ));
});

describe("--help and --version", () => {
  test("win over everything else", () => {
    expect(parseCli(["--port", "1", "--help"], {}).kind).toBe("help");
    expect(parseCli(["--version"], {}).kind).toBe("version");
  });
});

describe("odd arguments found by the property tests", () => {
  test("an empty argument is named as such", () => {
    expect(refusal([""])).toMatch(/^unexpected argument "": options start with --/);
  });
  test("a short-option cluster is named whole", () => {
    expect(refusal(["-h=1"])).toBe('unknown option "-h=1" (see --help)');
  });
  test("a short option with a quote is named whole", () => {
    expect(refusal(["-' "])).toBe(`unknown option "-' " (see --help)`);
  });
});

test("a value given to --help or --version is refused by name", () => {
  expect(refusal(["--version=0"])).toBe("--version: takes no value");
  expect(refusal(["--help=yes"])).toBe("--help: takes no value");
});

test("serve options given as flags alone, written as a config file, read back as the same configuration", () => {
  const argv = ["--port", "7100", "--workers", "3", "--admin-token", "long-enough-token", "--backend", "io_uring"];
  const flagsOnly = parseServeArgs(argv, {});
  if (flagsOnly.kind !== "run") throw new Error("expected a run");
  expect(flagsOnly.given).toEqual({ port: 7100, workers: 3, adminToken: "long-enough-token", backend: "io_uring" });
  const path = file("written.json", JSON.stringify(flagsOnly.given));
  expect(run(["--config", path])).toEqual(flagsOnly.values);
});

test("flags alone ignore the process environment", () => {
  process.env.IOCP_ECHO_PORT = "7200";
  try {
    const parsed = parseServeArgs([], {});
    expect(parsed.kind === "run" && parsed.values.port).toBe(6000);
  } finally {
    delete process.env.IOCP_ECHO_PORT;
  }
});
