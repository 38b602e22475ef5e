import { afterAll, beforeAll, expect, test } from "bun:test";
import { bench } from "./bench-client.ts";
import { FaultyUdpEcho } from "./faulty-udp-echo.ts";
import { describeTargets, runCli } from "./harness.ts";

const ARGS = ["--udp", "-c", "2", "--workers", "1", "--pipeline", "2", "-l", "64"];

describeTargets("bench --udp reports each wrong echo by kind", (t) => {
  const echoes = new Map<string, FaultyUdpEcho>();
  beforeAll(async () => {
    for (const fault of ["corrupt", "cut", "crosstalk"]) echoes.set(fault, await FaultyUdpEcho.start(fault));
  });
  afterAll(() => {
    for (const e of echoes.values()) e.stop();
  });

  test("a flipped byte is corrupt, once per datagram the echo flipped, and nothing is also lost; exit 1", async () => {
    const echo = echoes.get("corrupt")!;
    const run = await bench(t, `127.0.0.1:${echo.port}`, ARGS);
    const did = await echo.counts();
    expect(run.code).toBe(1);
    const r = run.report!;
    expect(did.corrupted).toBeGreaterThan(0);
    expect(r.errors.corrupt).toBe(did.corrupted);
    expect(r.udp).toMatchObject({
      sent: did.received,
      lost: 0,
      wrong: did.corrupted,
      received: did.received - did.corrupted,
    });
  });

  test("a datagram cut short is dropped bytes, once per datagram cut; exit 1", async () => {
    const echo = echoes.get("cut")!;
    const run = await bench(t, `127.0.0.1:${echo.port}`, ARGS);
    const did = await echo.counts();
    expect(run.code).toBe(1);
    expect(did.cut).toBeGreaterThan(0);
    expect(run.report!.errors.dropped).toBe(did.cut);
    expect(run.report!.udp!.lost).toBe(0);
  });

  test("another socket's datagram is cross-talk (and the datagram it replaced is lost); exit 1", async () => {
    const echo = echoes.get("crosstalk")!;
    const run = await bench(t, `127.0.0.1:${echo.port}`, [...ARGS, "--loss-timeout", "100"]);
    expect(run.code).toBe(1);
    const r = run.report!;
    expect(r.errors.crosstalk).toBeGreaterThan(0);
    expect(r.errors.corrupt).toBe(0);
    expect(r.udp!.lost).toBeGreaterThan(0);
  });

  const BAD: [string[], string][] = [
    [["--udp", "--mode", "stream"], "--mode: stream has no meaning with --udp"],
    [["--udp", "-l", "8"], "--size: with --udp, from 16"],
    [["--udp", "-l", "65508"], "--size: with --udp, from 16"],
    [["--loss-timeout", "100"], "--loss-timeout: applies to --udp runs only"],
    [["--udp", "--loss-timeout", "0"], "--loss-timeout: must be milliseconds from 1 to 60000"],
  ];
  for (const [args, message] of BAD) {
    test(`bad combinations exit 2 naming the option: ${args.join(" ")}`, async () => {
      const run = await runCli(t, ["bench", "--target", "127.0.0.1:7", ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`iocp-echo: ${message}`);
    });
  }
});
