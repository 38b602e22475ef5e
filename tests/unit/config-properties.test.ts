import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { ConfigError, parseServeArgs, SERVE_SOURCES } from "../../src/config.ts";
import { testDir } from "../temp-dir.ts";

const parseCli = (argv: string[], env: Record<string, string>) => parseServeArgs(argv, SERVE_SOURCES(env));

const FLAGS = [
  "--port",
  "--host",
  "--admin-port",
  "--admin-host",
  "--workers",
  "--buffer-size",
  "--max-connections",
  "--idle-timeout",
  "--drain-timeout",
  "--admin-token",
  "--config",
  "--backend",
  "--log-level",
  "--help",
  "--version",
];
const ENV = FLAGS.filter((f) => !["--help", "--version"].includes(f)).map(
  (f) => `IOCP_ECHO_${f.slice(2).replace(/-/g, "_").toUpperCase()}`,
);
const KEYS = [
  "port",
  "host",
  "adminPort",
  "adminHost",
  "workers",
  "bufferSize",
  "maxConnections",
  "idleTimeout",
  "drainTimeout",
  "adminToken",
  "backend",
  "logLevel",
];

const value = fc.oneof(
  fc.string(),
  fc.integer({ min: -100_000, max: 100_000_000 }).map(String),
  fc.constantFrom(
    "0",
    "6000",
    "65535",
    "65536",
    "-1",
    "1.5",
    "0x10",
    " 7 ",
    "",
    "127.0.0.1",
    "::1",
    "0.0.0.0",
    "auto",
    "io_uring",
    "iocp",
    "debug",
    "a-long-enough-token",
  ),
);
const argv = fc.array(
  fc.oneof(
    fc.constantFrom(...FLAGS),
    value,
    fc.tuple(fc.constantFrom(...FLAGS), value).map(([f, v]) => `${f}=${v}`),
  ),
  { maxLength: 8 },
);
const env = fc.dictionary(fc.constantFrom(...ENV), value, { maxKeys: 4 });

const dir = testDir("iocp-echo-props-");
const WHERE = /^(--[a-z-]+|IOCP_ECHO_[A-Z_]+|unknown option|unexpected argument|\/)/;

/** Either a config within every range, or a ConfigError whose message starts with where the value came from. */
function judge(run: () => ReturnType<typeof parseCli>): void {
  let result: ReturnType<typeof parseCli>;
  try {
    result = run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(WHERE);
    return;
  }
  if (result.kind !== "run") return;
  const c = result.values;
  for (const p of [c.port, c.adminPort]) expect(Number.isInteger(p) && p >= 0 && p <= 65535).toBe(true);
  expect(c.workers >= 1 && c.workers <= 256).toBe(true);
  expect(c.bufferSize >= 64 && c.bufferSize <= 16 * 1024 * 1024).toBe(true);
  expect(c.maxConnections >= 1).toBe(true);
  expect(["auto", "iocp", "io_uring"]).toContain(c.backend);
  if (!c.adminHost.startsWith("127.") && c.adminHost !== "::1") expect(c.adminToken).toBeDefined();
}

test("any argv and environment gives a valid config or an error naming its source", () => {
  fc.assert(
    fc.property(argv, env, (a, e) => judge(() => parseCli(a, e))),
    { numRuns: 2000 },
  );
});

test("any JSON config file gives a valid config or an error naming the file or option", () => {
  let n = 0;
  const fileContent = fc.oneof(
    fc
      .dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), fc.jsonValue(), { maxKeys: 5 })
      .map((o) => JSON.stringify(o)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string(),
  );
  fc.assert(
    fc.property(fileContent, (content) => {
      const path = join(dir, `c${n++}.json`);
      writeFileSync(path, content);
      judge(() => parseCli(["--config", path], {}));
    }),
    { numRuns: 1000 },
  );
});
