/**
 * The test command (`bun run test`):
 *   1. builds dist/iocp-echo and dist/iocp-echo.exe;
 *   2. readies the Windows lane when Wine is installed (shim DLL, prefix);
 *   3. runs every suite with the e2e scenarios once per target:
 *      source, binary, and wine when ready;
 *   4. ends with one line `N passed, N failed, N skipped`.
 * A skipped Windows lane is announced loudly, and is a failure when
 * IOCP_ECHO_REQUIRE_WINE=1 (as CI sets it). Exit status is non-zero when
 * anything failed or nothing ran.
 */
import { prepareWindowsLane } from "./windows/prepare.ts";
import { WINE_PREFIX } from "./windows/wine-env.ts";

const ROOT = `${import.meta.dir}/..`;

function step(argv: string[]): boolean {
  return Bun.spawnSync(argv, { cwd: ROOT, stdout: "inherit", stderr: "inherit" }).exitCode === 0;
}

let built = step([process.execPath, "build/compile.ts"]);
if (!built) console.error("\n!!! bun run build failed: the binary and wine lanes cannot run\n");
const wineProblem = built ? prepareWindowsLane() : "the build failed";
if (wineProblem !== null) {
  console.error(`\n${"!".repeat(72)}\n!!! WINDOWS LANE SKIPPED: ${wineProblem}\n${"!".repeat(72)}\n`);
}
const targets = ["source", ...(built ? ["binary"] : []), ...(wineProblem === null ? ["wine"] : [])];
console.log(`e2e targets: ${targets.join(", ")}`);

const proc = Bun.spawn([process.execPath, "test", "--timeout", "120000", ...process.argv.slice(2)], {
  cwd: ROOT,
  env: { ...process.env, IOCP_ECHO_TARGETS: targets.join(","), WINEPREFIX: WINE_PREFIX },
  stdout: "pipe",
  stderr: "pipe",
  stdin: "ignore",
});
let output = "";
async function pump(stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    output += text;
    sink.write(text);
  }
}
await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
const code = await proc.exited;

const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(output)?.[1] ?? 0);
let failed = count("fail");
const passed = count("pass");
const skipped = count("skip");
if (!built) failed++;
if (wineProblem !== null) {
  console.error(`WINDOWS LANE SKIPPED: ${wineProblem}`);
  if (process.env.IOCP_ECHO_REQUIRE_WINE === "1") {
    console.error("IOCP_ECHO_REQUIRE_WINE=1: a skipped Windows lane is a failure");
    failed++;
  }
}
if (passed + failed === 0) console.error("no test ran");
built = built && code === 0;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(!built || failed > 0 || passed === 0 ? 1 : 0);
