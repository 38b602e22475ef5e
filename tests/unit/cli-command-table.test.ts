import { expect, test } from "bun:test";
import { COMMANDS, pickCommand, runCommandLine } from "../../src/cli/commands.ts";
import { SERVE_HELP } from "../../src/cli/serve.ts";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io = {
    env: {},
    out: (text: string) => {
      out += text;
    },
    err: (text: string) => {
      err += text;
    },
  };
  const code = await runCommandLine(argv, io);
  return { code, out, err };
}

test("serve is the default: no command word, or an option first, runs serve with every argument", () => {
  expect(pickCommand([]).command.name).toBe("serve");
  const bare = pickCommand(["--port", "6000"]);
  expect([bare.command.name, bare.args]).toEqual(["serve", ["--port", "6000"]]);
  const named = pickCommand(["serve", "--port", "6000"]);
  expect([named.command.name, named.args]).toEqual(["serve", ["--port", "6000"]]);
});

test("an unknown command exits 2 naming it and listing the commands", async () => {
  const r = await run(["bogus", "--port", "1"]);
  expect(r.code).toBe(2);
  expect(r.out).toBe("");
  expect(r.err).toBe(`iocp-echo: unknown command "bogus" (commands: serve, service, bench; see iocp-echo --help)\n`);
});

test("--help lists every command and points at serve --help", async () => {
  const r = await run(["--help"]);
  expect(r.code).toBe(0);
  const lines = r.out.split("\n");
  for (const c of COMMANDS) expect(lines.some((l) => l.startsWith(`  ${c.name} `) && l.endsWith(c.summary))).toBe(true);
  expect(r.out).toContain("iocp-echo serve --help");
});

test("serve --help, and --help after a serve option, print serve's options", async () => {
  for (const argv of [
    ["serve", "--help"],
    ["--port", "1", "--help"],
    ["serve", "-h"],
  ]) {
    const r = await run(argv);
    expect([r.code, r.out]).toEqual([0, SERVE_HELP]);
  }
  expect(SERVE_HELP).toContain("  --max-connections N   open connections at most");
});

test("--version works at the top and after a command", async () => {
  for (const argv of [["--version"], ["-v"], ["serve", "--version"]]) {
    expect(await run(argv)).toEqual({ code: 0, out: "iocp-echo 0.1.0\n", err: "" });
  }
});

test("a refused serve option exits 2 whether or not serve is named", async () => {
  for (const argv of [
    ["--port", "70000"],
    ["serve", "--port", "70000"],
  ]) {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^iocp-echo: --port: must be an integer from 0 to 65535/);
  }
});
