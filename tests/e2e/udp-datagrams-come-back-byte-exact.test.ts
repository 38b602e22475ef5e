import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { echoOnce } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient, udpStatsWhen } from "./udp-clients.ts";

/** 1 byte, a small message, a full Ethernet payload, 8 KiB, the largest IPv4 UDP payload. */
const SIZES = [1, 512, 1472, 8192, 65_507];

async function echoesEverySize(port: number, family: "udp4" | "udp6", host: string): Promise<void> {
  const client = await UdpClient.open(family);
  try {
    for (const size of SIZES) {
      const payload = randomBytes(size);
      const reply = await client.echo(payload, port, host);
      expect(reply, `${size} B over ${family}`).not.toBeNull();
      expect(reply!.data.equals(payload), `${size} B over ${family} came back changed`).toBe(true);
      // From the echo port itself: the reply names the server as its source.
      expect(reply!.port).toBe(port);
    }
  } finally {
    client.close();
  }
}

describeTargets("with --udp, datagrams of 1 B to 65,507 B come back byte-exact to their sender", (t) => {
  test("over IPv4, beside TCP, and the ready line and /stats name both protocols", async () => {
    const server = await ServerProcess.start(t, ["--udp"]);
    try {
      expect(server.ready.protocols).toEqual(["tcp", "udp"]);
      await echoesEverySize(server.echoPort, "udp4", "127.0.0.1");
      // TCP is untouched on the same port.
      expect((await echoOnce(server.echoPort, Buffer.from("tcp still"))).toString()).toBe("tcp still");
      const stats = (await (await server.admin("/stats")).json()) as { protocols: string[] };
      expect(stats.protocols).toEqual(["tcp", "udp"]);
      const total = SIZES.reduce((a, b) => a + b, 0);
      const udp = await udpStatsWhen(server.admin.bind(server), (s) => s.echoed >= SIZES.length);
      expect(udp.echoed).toBeGreaterThanOrEqual(SIZES.length);
      expect(udp.bytes.sent).toBeGreaterThanOrEqual(total);
      expect(udp.truncated).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("over IPv6", async () => {
    const server = await ServerProcess.start(t, ["--udp", "--host", "::1"]);
    try {
      await echoesEverySize(server.echoPort, "udp6", "::1");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("dual-stack on :: answers IPv4 and IPv6 clients", async () => {
    const server = await ServerProcess.start(t, ["--udp", "--host", "::"]);
    try {
      await echoesEverySize(server.echoPort, "udp4", "127.0.0.1");
      await echoesEverySize(server.echoPort, "udp6", "::1");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("without --udp the ready line names TCP alone and nothing answers on UDP", async () => {
    const server = await ServerProcess.start(t);
    try {
      expect(server.ready.protocols).toEqual(["tcp"]);
      const client = await UdpClient.open("udp4");
      expect(await client.echo(Buffer.from("anyone?"), server.echoPort, "127.0.0.1", 1)).toBeNull();
      client.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
