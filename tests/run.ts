/**
 * The test command: `bun test` over tests/, then one closing line
 * `N passed, N failed, N skipped` so a run that executed nothing is visible.
 * Exit status: non-zero when anything failed or nothing ran.
 */
export {};

const args = ["test", "--timeout", "120000", ...process.argv.slice(2)];
const proc = Bun.spawn([process.execPath, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });

let summary = "";
async function pump(stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    summary += text;
    sink.write(text);
  }
}
await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
const code = await proc.exited;

const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(summary)?.[1] ?? 0);
const passed = count("pass");
const failed = count("fail");
const skipped = count("skip");
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed + failed === 0) console.error("no test ran");
process.exit(code !== 0 || failed > 0 || passed === 0 ? 1 : 0);
