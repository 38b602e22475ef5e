/**
 * A test file's own directory under the system's temporary directory,
 * removed with everything in it once the file's tests have run. Call it at
 * the top of the file (it registers an afterAll hook). Tests used to leave
 * their directories behind: hundreds of them in /tmp on a machine that runs
 * the suite often.
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
