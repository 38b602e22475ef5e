import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ServiceLog } from "../../src/cli/service-log.ts";
import { RotatingFile } from "../../src/service/rotating-log.ts";
import { testDir } from "../temp-dir.ts";

const dir = testDir("iocp-echo-service-log-");

test("a service logs everything to its file, and warnings, errors and lifecycle lines to the Event Log", () => {
  const path = join(dir, "iocp-echo.log");
  const events: string[] = [];
  const log = new ServiceLog(new RotatingFile(path), {
    information: (m) => events.push(`information ${m}`),
    warning: (m) => events.push(`warning ${m}`),
    error: (m) => events.push(`error ${m}`),
  });
  log.info("open-file limit: 512");
  log.debug("not at info level");
  log.lifecycle("service edge started");
  log.warn("drain timeout");
  log.error("worker 0 failed");
  expect(events).toEqual(["information service edge started", "warning drain timeout", "error worker 0 failed"]);
  const lines = readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.replace(/^\S+ /, ""));
  expect(lines).toEqual([
    "info open-file limit: 512",
    "info service edge started",
    "warn drain timeout",
    "error worker 0 failed",
  ]);
});
