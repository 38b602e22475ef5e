/** Echo traffic for the dashboard to show: connections held open, each echoing in a loop. */
import type net from "node:net";
import { connect, readExactly } from "../e2e/clients.ts";

export interface Traffic {
  sockets: net.Socket[];
  /** Stops the loops and closes the connections. */
  stop(): Promise<void>;
}

/** `connections` clients, each sending `size` bytes and reading them back until stopped or `maxMs` passes. */
export async function startTraffic(
  port: number,
  connections: number,
  size = 16 * 1024,
  maxMs = 20_000,
): Promise<Traffic> {
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  const deadline = Date.now() + maxMs;
  let running = true;
  const payload = Buffer.alloc(size, 0x61);
  const loops = sockets.map(async (socket) => {
    while (running && Date.now() < deadline) {
      socket.write(payload);
      await readExactly(socket, size, 10_000);
    }
  });
  return {
    sockets,
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      for (const s of sockets) s.destroy();
    },
  };
}
