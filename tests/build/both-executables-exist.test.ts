import { expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const built = (process.env.IOCP_ECHO_TARGETS ?? "").split(",").includes("binary");

// tests/run.ts builds first and then runs the e2e suite against both files
// (targets "binary" and "wine"); this checks the build's outputs themselves.
test.skipIf(!built)("bun run build produces the Linux executable and the Windows .exe", () => {
  const linux = join(ROOT, "dist/iocp-echo");
  const windows = join(ROOT, "dist/iocp-echo.exe");
  expect(existsSync(linux)).toBe(true);
  expect(existsSync(windows)).toBe(true);
  expect(statSync(linux).mode & 0o111).not.toBe(0);
  const header = Buffer.alloc(2);
  const fd = openSync(windows, "r");
  readSync(fd, header, 0, 2, 0);
  closeSync(fd);
  expect(header.toString()).toBe("MZ"); // a PE image
});
