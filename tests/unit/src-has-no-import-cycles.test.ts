/**
 * No module in src/ reaches itself through its imports: static `import`,
 * `export ... from` and dynamic `import()` all count (type-only imports
 * too: a cycle of types still ties the modules' meanings together).
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|tsx|mts)$/.test(e.name) ? [path] : [];
  });
}

const SPECIFIER =
  /(?:\bimport\s[^'"]*?\bfrom\s*|\bexport\s[^'"]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

/** Relative specifiers a file imports, resolved to paths. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => resolve(dirname(file), m[1]!));
}

/** Every cycle's path, found by depth-first search with an on-stack set. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (node: string) => {
    if (onStack.has(node)) {
      cycles.push([...stack.slice(stack.indexOf(node)), node]);
      return;
    }
    if (done.has(node)) return;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) visit(next);
    stack.pop();
    onStack.delete(node);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node);
  return cycles;
}

test("no import cycle in src/ (static, re-export and dynamic imports)", () => {
  const files = sources(join(ROOT, "src"));
  const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, "utf8"))]));
  const cycles = findCycles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(" -> "));
  expect(cycles).toEqual([]);
  // The graph is not empty: the check reads real imports.
  expect([...graph.values()].flat().length).toBeGreaterThan(files.length);
});

test("the check finds a cycle through a dynamic import and one through a re-export", () => {
  const a = "/x/a.ts";
  const b = "/x/b.ts";
  const c = "/x/c.ts";
  const d = "/x/d.ts";
  const graph = new Map([
    [a, importsOf(a, 'import { x } from "./b.ts";')],
    [b, importsOf(b, 'const m = await import("./a.ts");')],
    [c, importsOf(c, 'export { y } from "./d.ts";')],
    [d, importsOf(d, 'import type { z } from "./c.ts";\nimport "./a.ts";')],
  ]);
  expect(graph.get(b)).toEqual([a]);
  expect(graph.get(d)).toEqual([c, a]);
  expect(findCycles(graph)).toEqual([
    [a, b, a],
    [c, d, c],
  ]);
  expect(
    findCycles(
      new Map([
        [a, [b]],
        [b, []],
      ]),
    ),
  ).toEqual([]);
});
