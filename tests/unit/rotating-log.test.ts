import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RotatingFile, rotationSteps } from "../../src/service/rotating-log.ts";
import { testDir } from "../temp-dir.ts";

const dir = testDir("iocp-echo-rotate-");

test("rotation drops the oldest file, shifts the rest up by one and moves the live file to .1", () => {
  expect(rotationSteps("a.log", 3)).toEqual([
    ["a.log.3", null],
    ["a.log.2", "a.log.3"],
    ["a.log.1", "a.log.2"],
    ["a.log", "a.log.1"],
  ]);
});

test("a log file past its size limit rotates and keeps only the configured number of old files", () => {
  const path = join(dir, "logs", "iocp-echo.log");
  const file = new RotatingFile(path, 100, 2);
  for (let i = 0; i < 10; i++) file.append(`${String(i).repeat(59)}\n`); // 60 bytes: one line per file
  expect(readdirSync(join(dir, "logs")).sort()).toEqual(["iocp-echo.log", "iocp-echo.log.1", "iocp-echo.log.2"]);
  expect(readFileSync(path, "utf8")).toBe(`${"9".repeat(59)}\n`);
  expect(readFileSync(`${path}.2`, "utf8")).toBe(`${"7".repeat(59)}\n`);
  // A new writer picks up the existing size instead of starting from zero.
  new RotatingFile(path, 100, 2).append(`${"x".repeat(59)}\n`);
  expect(readFileSync(`${path}.1`, "utf8")).toBe(`${"9".repeat(59)}\n`);
});
