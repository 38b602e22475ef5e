import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dir, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(path);
    return /\.(ts|js|mts|tsx)$/.test(e.name) ? [path] : [];
  });
}

test("bun:ffi is imported only under src/ffi/", () => {
  const offenders = sources(join(ROOT, "src"))
    .filter((f) => !relative(ROOT, f).startsWith("src/ffi/"))
    .filter((f) =>
      /from\s+["']bun:ffi["']|import\(\s*["']bun:ffi["']\s*\)|require\(\s*["']bun:ffi["']\s*\)/.test(
        readFileSync(f, "utf8"),
      ),
    )
    .map((f) => relative(ROOT, f));
  expect(offenders).toEqual([]);
});

test("the check itself sees an import (it is not vacuous)", () => {
  const inside = sources(join(ROOT, "src/ffi")).filter((f) => /from\s+["']bun:ffi["']/.test(readFileSync(f, "utf8")));
  expect(inside.length).toBeGreaterThan(0);
});
