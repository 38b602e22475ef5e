import { expect, test } from "bun:test";
import { connect } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

/**
 * A worker that throws (here on purpose, through IOCP_ECHO_INJECT_FAULT)
 * must not leave a half-dead server behind: the stack is logged, /healthz
 * answers 503 from then on, and the process exits 1 by itself.
 */
describeTargets("a worker that throws is logged with its stack and the process exits 1", (t) => {
  test("stack logged, /healthz 503 until exit, exit 1", async () => {
    const server = await ServerProcess.start(t, ["--drain-timeout", "3000"], {
      IOCP_ECHO_INJECT_FAULT: "worker-throws",
    });
    expect((await server.admin("/healthz")).status).toBe(200);
    const client = await connect(server.echoPort);
    client.on("error", () => {});
    client.write("boom");

    // The crashed worker's connection never finishes, so the drain runs its
    // full 3 s: a window in which /healthz must already say 503.
    let health: { status: number; body: { reason?: string } } | null = null;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const res = await server.admin("/healthz").catch(() => null);
      if (res === null) break;
      const body = (await res.json()) as { reason?: string };
      if (res.status !== 200) {
        health = { status: res.status, body };
        break;
      }
      await Bun.sleep(20);
    }
    expect(health?.status).toBe(503);
    expect(health?.body.reason).toMatch(/^worker \d failed$/);

    expect(await server.exit(20_000)).toBe(1);
    client.destroy();
    const log = server.stderrText;
    expect(log).toMatch(/worker \d failed: InjectedFault: worker \d: injected fault after receiving 4 bytes/);
    expect(log).toMatch(/\n\s+at run \(/); // the stack through the loop, not just the message
    expect(log).toContain("stopped with errors");
  }, 60_000);

  test("an unknown fault name is refused by name", async () => {
    const server = await ServerProcess.start(t, [], { IOCP_ECHO_INJECT_FAULT: "nonsense" }).catch((e: Error) => e);
    expect(server).toBeInstanceOf(Error);
    expect((server as Error).message).toContain('IOCP_ECHO_INJECT_FAULT="nonsense": unknown fault');
  });
});
