import { expect, test } from "bun:test";
import { echoOnce, randomBytes } from "./clients.ts";
import { describeTargets, runCli, ServerProcess } from "./harness.ts";

describeTargets("serve is the default command; --help lists the commands", (t) => {
  test("`iocp-echo serve ...` serves exactly like the bare form", async () => {
    for (const command of ["serve", undefined]) {
      const server = await ServerProcess.start(t, ["--workers", "1"], {}, { command });
      try {
        expect(server.ready).toMatchObject({ event: "ready", workers: 1, echo: { host: "127.0.0.1" } });
        const payload = randomBytes(4096);
        expect(Buffer.compare(await echoOnce(server.echoPort, payload), payload)).toBe(0);
        const stats = (await (await server.admin("/stats")).json()) as { backend: string; workers: number };
        expect([stats.backend, stats.workers]).toEqual([server.ready.backend, 1]);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    }
  });

  test("--help lists the commands and names serve --help; serve --help lists the options", async () => {
    const top = await runCli(t, ["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Commands:\n {2}serve +run the echo server/m);
    expect(top.stdout).toContain("iocp-echo serve --help");
    const serve = await runCli(t, ["serve", "--help"]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain("Usage: iocp-echo [serve] [options]");
    for (const flag of ["--port N", "--admin-port N", "--max-connections N", "--keepalive MS", "--config FILE"]) {
      expect(serve.stdout).toContain(`  ${flag} `);
    }
  });

  test("an unknown command exits 2 naming it and listing the commands", async () => {
    const r = await runCli(t, ["srve", "--port", "0"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('unknown command "srve" (commands: serve');
  });

  test("serve's refusals exit 2 after the command word too", async () => {
    const r = await runCli(t, ["serve", "--port", "70000"], { IOCP_ECHO_WORKERS: "2" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port: must be an integer from 0 to 65535/);
  });
});
