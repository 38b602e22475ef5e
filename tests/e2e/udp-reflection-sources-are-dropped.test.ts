import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";
import { canBindPrivileged, UdpClient, udpStatsWhen } from "./udp-clients.ts";

const privileged = await canBindPrivileged();

/** Sends from `from` and checks nothing comes back within a second, while `control` is still answered. */
async function ignoredWhileOthersAreServed(from: UdpClient, control: UdpClient, port: number): Promise<void> {
  await from.send(Buffer.from("loop me"), port);
  const answered = await control.echo(Buffer.from("still serving"), port);
  expect(answered?.data.toString()).toBe("still serving");
  expect(await from.waitFor(1, 1000)).toBe(false);
}

describeTargets("UDP datagrams from reflection ports are not echoed, and are counted", (t) => {
  test.skipIf(!privileged)(
    `source ports 7 and 19 (echo, chargen) are dropped${privileged ? "" : " (needs root to bind ports below 1024)"}`,
    async () => {
      const server = await ServerProcess.start(t, ["--udp"]);
      const control = await UdpClient.open("udp4");
      try {
        for (const port of [7, 19]) {
          const attacker = await UdpClient.open("udp4", { port });
          await ignoredWhileOthersAreServed(attacker, control, server.echoPort);
          attacker.close();
        }
        const udp = await udpStatsWhen(server.admin.bind(server), (s) => s.dropped.reflectionPort >= 2);
        expect(udp.dropped.reflectionPort).toBe(2);
      } finally {
        control.close();
        expect(await server.stop()).toBe(0);
      }
    },
  );

  test("a datagram from the server's own port (another host on loopback) is dropped", async () => {
    const server = await ServerProcess.start(t, ["--udp"]);
    const control = await UdpClient.open("udp4");
    // 127.0.0.2 is loopback too: a second "echo server" on our port is the packet-storm loop.
    const twin = await UdpClient.open("udp4", { address: "127.0.0.2", port: server.echoPort });
    try {
      await ignoredWhileOthersAreServed(twin, control, server.echoPort);
      const udp = await udpStatsWhen(server.admin.bind(server), (s) => s.dropped.ownPort >= 1);
      expect(udp.dropped.ownPort).toBe(1);
      expect(udp.echoed).toBeGreaterThanOrEqual(1);
    } finally {
      twin.close();
      control.close();
      expect(await server.stop()).toBe(0);
    }
  });
});
