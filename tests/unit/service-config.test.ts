import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { planConfig, writeConfig } from "../../src/cli/service-config.ts";
import { ConfigError } from "../../src/config.ts";
import { testDir } from "../temp-dir.ts";

const dir = testDir("iocp-echo-service-config-");

test("install writes only the options given, over an existing file's keys, which it keeps", () => {
  const path = join(dir, "kept.json");
  writeFileSync(path, JSON.stringify({ port: 7000, drainTimeout: 9000 }));
  const plan = planConfig(path, ["--port", "7001", "--workers=3"]);
  expect(plan.existed).toBe(true);
  expect(plan.file).toEqual({ port: 7001, drainTimeout: 9000, workers: 3 });
  expect(plan.effective).toMatchObject({ port: 7001, drainTimeout: 9000, workers: 3 });
  writeConfig(path, plan.file);
  expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ port: 7001, drainTimeout: 9000, workers: 3 });
});

test("install checks serve options with serve's own schema before writing anything", () => {
  const path = join(dir, "never-written.json");
  expect(() => planConfig(path, ["--port", "70000"])).toThrow(ConfigError);
  expect(() => planConfig(path, ["--port", "70000"])).toThrow("--port: must be an integer from 0 to 65535");
  expect(() => planConfig(path, ["--config", "x.json"])).toThrow("a service reads");
  expect(() => readFileSync(path)).toThrow();
});

test("a new file holds exactly the options given", () => {
  const plan = planConfig(join(dir, "new.json"), ["--admin-port", "9100"]);
  expect(plan).toMatchObject({ existed: false, file: { adminPort: 9100 } });
  expect(Object.keys(plan.file)).toEqual(["adminPort"]);
});
