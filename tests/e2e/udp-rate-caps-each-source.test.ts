import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient, udpStatsWhen } from "./udp-clients.ts";

describeTargets("--udp-rate caps the datagrams answered per source address", (t) => {
  test("--udp-rate 100: a flood of 1,000 from one source gets about 100 back; another source is unaffected", async () => {
    const server = await ServerProcess.start(t, ["--udp", "--udp-rate", "100"]);
    const flood = await UdpClient.open("udp4");
    // A different source address (loopback has all of 127/8), so a different bucket.
    const other = await UdpClient.open("udp4", { address: "127.0.0.3" });
    try {
      const payload = Buffer.alloc(64, 1);
      const floodStarted = Date.now();
      for (let i = 0; i < 1000; i++) await flood.send(payload, server.echoPort);
      for (let i = 0; i < 20; i++) {
        const reply = await other.echo(Buffer.from(`other ${i}`), server.echoPort);
        expect(reply?.data.toString()).toBe(`other ${i}`);
      }
      await flood.waitFor(1000, 1000); // whatever is coming has come by then
      const got = flood.replies.length;
      console.error(`udp-rate 100 [${t.name}]: ${got} of 1000 flooded datagrams answered`);
      // One second's burst (100) plus what the rate refills while the server
      // works through the flood: from the first datagram sent to the last
      // reply received at most (a slow server, Wine, takes longer and may
      // rightly answer more).
      const spanSeconds = got > 0 ? (flood.replies.at(-1)!.at - floodStarted) / 1000 : 0;
      expect(got).toBeGreaterThanOrEqual(50);
      expect(got).toBeLessThanOrEqual(100 + Math.ceil(100 * (spanSeconds + 0.1)) + 5);
      const udp = await udpStatsWhen(server.admin.bind(server), (s) => s.dropped.rate + s.echoed >= 1000);
      expect(udp.dropped.rate).toBeGreaterThanOrEqual(700);
    } finally {
      flood.close();
      other.close();
      expect(await server.stop()).toBe(0);
    }
  });

  test("--udp-rate rejects a negative or non-integer value by name", async () => {
    const { runCli } = await import("./harness.ts");
    const bad = await runCli(t, ["--udp", "--udp-rate", "-1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--udp-rate");
  });
});
