import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { canConnect } from "./clients.ts";
import { BASE_ARGS, describeTargets, runCli } from "./harness.ts";

describeTargets("a port already taken exits 1 naming the address, leaving nothing running", (t) => {
  let squatter: net.Server;
  let port = 0;
  beforeAll(async () => {
    squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    port = (squatter.address() as net.AddressInfo).port;
  });
  afterAll(() => squatter.close());

  test("echo port taken", async () => {
    const { code, stderr } = await runCli(t, [...BASE_ARGS, "--port", String(port)]);
    expect(stderr).toContain(`127.0.0.1:${port}`);
    expect(stderr).toMatch(/EADDRINUSE|in use/i);
    expect(code).toBe(1);
  });

  test("admin port taken", async () => {
    const free = net.createServer();
    await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
    const echoPort = (free.address() as net.AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const { code, stderr } = await runCli(t, [...BASE_ARGS, "--port", String(echoPort), "--admin-port", String(port)]);
    expect(stderr).toContain(`admin API cannot listen on 127.0.0.1:${port}`);
    expect(code).toBe(1);
    // The echo listener it had opened is gone with it.
    expect(await canConnect(echoPort)).toBe(false);
  });
});
