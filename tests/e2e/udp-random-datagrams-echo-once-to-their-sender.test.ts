import { expect, test } from "bun:test";
import fc from "fast-check";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient } from "./udp-clients.ts";

/**
 * The model: every datagram is echoed once, unchanged, to the socket that
 * sent it. Random sizes (1 B to the IPv4 maximum) from random sources
 * (IPv4 and IPv6 sockets, on a dual-stack server), interleaved at random.
 */
describeTargets("property: random UDP datagrams from random sources are each echoed once to their sender", (t) => {
  test("against the model", async () => {
    const server = await ServerProcess.start(t, ["--udp", "--host", "::"]);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              source: fc.integer({ min: 0, max: 5 }),
              size: fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 65_507 })),
              fill: fc.integer({ min: 0, max: 255 }),
            }),
            { minLength: 1, maxLength: 30 },
          ),
          async (datagrams) => {
            const sockets = await Promise.all(
              Array.from({ length: 6 }, (_, i) => UdpClient.open(i % 2 ? "udp6" : "udp4")),
            );
            try {
              const expected: Buffer[][] = sockets.map(() => []);
              for (const [n, d] of datagrams.entries()) {
                const data = Buffer.alloc(d.size, d.fill);
                data.writeUInt8(n & 0xff, 0); // distinct first bytes tell datagrams apart
                expected[d.source]!.push(data);
                await sockets[d.source]!.send(data, server.echoPort, d.source % 2 ? "::1" : "127.0.0.1");
              }
              for (const [i, s] of sockets.entries()) {
                await s.waitFor(expected[i]!.length, 5000);
                // Once: nothing extra arrives after the expected ones.
                await s.waitFor(expected[i]!.length + 1, 100);
                const got = s.replies.map((r) => r.data.toString("hex")).sort();
                expect(got).toEqual(expected[i]!.map((b) => b.toString("hex")).sort());
              }
            } finally {
              for (const s of sockets) s.close();
            }
          },
        ),
        { numRuns: 15 },
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
