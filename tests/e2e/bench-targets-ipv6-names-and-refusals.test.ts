import { expect, test } from "bun:test";
import { BrokenEcho, bench } from "./bench-client.ts";
import { describeTargets, runCli } from "./harness.ts";

/** A loopback port with nothing listening: bound for a moment, then released. */
function closedPort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

describeTargets("bench targets", (t) => {
  test("an IPv6 target in brackets is measured", async () => {
    const server = await BrokenEcho.start("ok", "ipv6");
    try {
      const run = await bench(t, `[::1]:${server.port}`, ["-c", "2", "--workers", "1"]);
      expect(run.code).toBe(0);
      expect(run.report!.target).toEqual({ host: "::1", port: server.port, address: "::1" });
      expect(run.report!.throughput.messages).toBeGreaterThan(0);
    } finally {
      server.stop();
    }
  }, 90_000);

  test("a host name is resolved once and measured", async () => {
    const server = await BrokenEcho.start("ok");
    try {
      const run = await bench(t, `localhost:${server.port}`, ["-c", "2", "--workers", "1"]);
      // localhost may resolve to ::1 first where the resolver prefers IPv6; the fixture listens on 127.0.0.1.
      if (run.report?.target.address === "::1") return;
      expect(run.code).toBe(0);
      expect(run.report!.target.host).toBe("localhost");
      expect(run.report!.target.address).toBe("127.0.0.1");
    } finally {
      server.stop();
    }
  }, 90_000);

  test("a target that refuses every connection says so in one line and exits 1", async () => {
    const port = closedPort();
    const run = await bench(t, `127.0.0.1:${port}`, ["-c", "3", "--workers", "1"], false);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("iocp-echo"));
    expect(lines).toEqual([
      `iocp-echo bench: 127.0.0.1:${port} (127.0.0.1) accepted none of 3 connections: 3 connect refused (nothing listens there)`,
    ]);
  }, 90_000);

  test("a name that does not resolve is one line and exit 1", async () => {
    const run = await bench(t, "no-such-host.invalid:6000", ["-c", "1"], false);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("iocp-echo bench: cannot resolve no-such-host.invalid");
  }, 90_000);

  const BAD: [string[], string][] = [
    [[], "--target: required"],
    [["--target", "::1:6000"], "--target: an IPv6 address goes in brackets"],
    [["--target", "host:0"], "--target: the port must be a number from 1 to 65535"],
    [["--target", "h:1", "-c", "0"], "--connections: must be an integer from 1 to 50000"],
    [["--target", "h:1", "-l", "x"], "--size: must be a number of bytes"],
    [["--target", "h:1", "--mode", "burst"], "--mode: must be pingpong or stream"],
    [["--target", "h:1", "-c", "2", "--workers", "3"], "--workers: 3 is more than --connections 2"],
    [["--target", "h:1", "--mode", "stream", "--rate", "10"], "--rate: paces ping-pong messages"],
    [["--target", "h:1", "--udp", "--mode", "stream"], "--mode: stream has no meaning with --udp"],
  ];
  for (const [args, message] of BAD) {
    test(`bad arguments exit 2 naming what is wrong: ${args.join(" ") || "(none)"}`, async () => {
      const run = await runCli(t, ["bench", ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`iocp-echo: ${message}`);
    });
  }
});
