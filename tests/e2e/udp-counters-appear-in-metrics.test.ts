import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";
import { UdpClient, udpStatsWhen } from "./udp-clients.ts";

const promtool = Bun.which("promtool");

describeTargets("UDP counters appear in /metrics, clean under promtool", (t) => {
  test(`an echoed datagram is counted in /stats and /metrics${promtool ? "" : " (promtool not installed: format unchecked)"}`, async () => {
    const server = await ServerProcess.start(t, ["--udp"]);
    const client = await UdpClient.open("udp4");
    try {
      expect((await client.echo(Buffer.from("count me"), server.echoPort))?.data.toString()).toBe("count me");
      await udpStatsWhen(server.admin.bind(server), (s) => s.echoed >= 1);
      const text = await (await server.admin("/metrics")).text();
      const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "m").exec(text)?.[1]);
      expect(value("iocp_echo_udp_datagrams_received_total")).toBe(1);
      expect(value("iocp_echo_udp_datagrams_echoed_total")).toBe(1);
      expect(value("iocp_echo_udp_bytes_sent_total")).toBe(8);
      expect(value("iocp_echo_udp_dropped_rate_total")).toBe(0);
      if (promtool) {
        const check = Bun.spawnSync([promtool, "check", "metrics"], { stdin: Buffer.from(text), stderr: "pipe" });
        expect(check.stderr.toString()).toBe("");
        expect(check.exitCode).toBe(0);
      }
    } finally {
      client.close();
      expect(await server.stop()).toBe(0);
    }
  });
});
