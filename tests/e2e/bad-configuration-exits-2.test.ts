import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { testDir } from "../temp-dir.ts";
import { describeTargets, runCli } from "./harness.ts";

const dir = testDir("iocp-echo-config-");
const badJson = join(dir, "bad.json");
writeFileSync(badJson, "{ port: 6000 ");
const wrongType = join(dir, "wrong-type.json");
writeFileSync(wrongType, JSON.stringify({ workers: "two" }));

const CASES: [string, string[], Record<string, string>, RegExp][] = [
  ["port out of range", ["--port", "70000"], {}, /--port: must be an integer from 0 to 65535/],
  ["zero workers", ["--workers", "0"], {}, /--workers: must be an integer from 1 to 256/],
  ["unknown flag", ["--prot", "6000"], {}, /unknown option --prot/],
  ["unknown backend", ["--backend", "epoll"], {}, /--backend: must be one of auto, iocp, io_uring/],
  ["missing config file", ["--config", join(dir, "absent.json")], {}, /--config: cannot read .*absent\.json.*ENOENT/],
  ["malformed config file", ["--config", badJson], {}, /is not valid JSON/],
  ["wrong type in the config file", ["--config", wrongType], {}, /wrong-type\.json: workers: must be an integer/],
  ["bad environment value", [], { IOCP_ECHO_BUFFER_SIZE: "lots" }, /IOCP_ECHO_BUFFER_SIZE: must be a number of bytes/],
  [
    "public admin host without a token",
    ["--admin-host", "0.0.0.0"],
    {},
    /--admin-host 0\.0\.0\.0 is not a loopback address: set --admin-token/,
  ],
];

describeTargets("a refused configuration exits 2 naming the option", (t) => {
  for (const [name, args, env, message] of CASES) {
    test(name, async () => {
      const { code, stderr, stdout } = await runCli(t, args, env);
      expect(stderr).toMatch(message);
      expect(code).toBe(2);
      expect(stdout).toBe("");
    });
  }

  test("--help and --version exit 0", async () => {
    const help = await runCli(t, ["serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--max-connections");
    const version = await runCli(t, ["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^iocp-echo \d+\.\d+\.\d+/);
  });
});
