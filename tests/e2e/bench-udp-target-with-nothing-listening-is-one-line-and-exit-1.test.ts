import { expect, test } from "bun:test";
import dgram from "node:dgram";
import { bench } from "./bench-client.ts";
import { describeTargets } from "./harness.ts";

/** A loopback UDP port that was free a moment ago and is closed now: the kernel answers it with ICMP port unreachable. */
async function closedUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

describeTargets("bench --udp against a port with nothing listening", (t) => {
  test("the ICMP refusals are counted, said in one line, exit 1", async () => {
    const port = await closedUdpPort();
    const run = await bench(t, `127.0.0.1:${port}`, ["--udp", "-c", "2", "--workers", "1"], false);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("iocp-echo"));
    expect(lines).toEqual([
      `iocp-echo bench: 127.0.0.1:${port} (127.0.0.1) answered none of 2 datagrams: 2 connect refused (nothing listens there), 2 UDP datagram not echoed within the loss timeout`,
    ]);
  });
});
