/**
 * The UDP part of `bun run bench`: its reference server, its scenarios and
 * its verdict, kept apart from run.ts's TCP ones. The reference is a C echo
 * on recvmmsg/sendmmsg (c/echo-udp.c); the load client is c/load.c with
 * `--udp`, which counts lost datagrams as "unreturned".
 */
import { join } from "node:path";

/** 64 B and 1,400 B datagrams, 50 sockets with 4 in flight each. */
export const UDP_SCENARIOS = [
  { name: "udp 64 B x 50", mode: "pingpong", size: 64, conns: 50, udp: true },
  { name: "udp 1400 B x 50", mode: "pingpong", size: 1400, conns: 50, udp: true },
] as const;
export const UDP_WINDOW = 4;
export const UDP_REFERENCE = "C UDP recvmmsg";

/** Servers that answer UDP: the C reference; ours get --udp added by the caller. */
export function udpReference(out: string) {
  return { name: UDP_REFERENCE, argv: (p: number) => [join(out, "echo-udp"), String(p)], protocols: ["udp"] };
}

/** Waits until something on 127.0.0.1:port echoes a UDP datagram. */
export async function waitForUdp(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let answered = false;
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data() {
        answered = true;
      },
      // ECONNREFUSED while nothing listens yet: expected, keep probing.
      error() {},
    },
  });
  try {
    while (!answered && Date.now() < deadline) {
      socket.send("probe", port, "127.0.0.1");
      await Bun.sleep(50);
    }
  } finally {
    socket.close();
  }
  if (!answered) throw new Error(`nothing echoes UDP on ${port} after ${ms} ms`);
}

/** The UDP target: CPU per datagram at most 1.3 x the C server's. */
export const UDP_CPU_RATIO_TARGET = 1.3;
