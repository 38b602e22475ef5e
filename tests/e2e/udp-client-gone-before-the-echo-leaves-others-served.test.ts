import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient, udpStatsWhen } from "./udp-clients.ts";

/**
 * The reply to a closed socket meets an ICMP port-unreachable. On Windows,
 * unless SIO_UDP_CONNRESET is off, that fails the socket's next receive with
 * WSAECONNRESET, and receive loops that treat it as fatal stop serving
 * everyone (tokio #2017). Under Wine the ICMP never becomes an error (see
 * DESIGN), so there this checks only that the loop keeps going; the re-post
 * path itself is covered by the unit test on UDP completions.
 */
describeTargets("a UDP client that closes before its echo arrives does not stop the receive loop", (t) => {
  test("40 vanishing clients, then a new client is served", async () => {
    const server = await ServerProcess.start(t, ["--udp"]);
    try {
      for (let i = 0; i < 40; i++) {
        const gone = await UdpClient.open("udp4");
        await gone.send(Buffer.from(`bye ${i}`), server.echoPort);
        gone.close();
      }
      const next = await UdpClient.open("udp4");
      const reply = await next.echo(Buffer.from("anyone home?"), server.echoPort);
      next.close();
      expect(reply?.data.toString()).toBe("anyone home?");
      // Every vanished client's datagram was received and answered (into the void).
      const udp = await udpStatsWhen(server.admin.bind(server), (s) => s.echoed >= 41);
      expect(udp.received).toBeGreaterThanOrEqual(41);
      // Which path ran: peerGone > 0 means ICMP errors reached receives or
      // sends and the loop re-posted past them; 0 means none ever surfaced.
      console.error(`vanished UDP clients [${t.name}]: peerGone ${udp.peerGone}, errors ${udp.errors}`);
      expect(udp.echoed).toBeGreaterThanOrEqual(41);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
