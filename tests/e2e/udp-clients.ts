/**
 * UDP clients for the end-to-end suite: node:dgram sockets on loopback.
 * UDP may lose datagrams even on loopback (a full receive queue), so the
 * helpers wait a bounded time and report what never came back instead of
 * hanging.
 */
import dgram from "node:dgram";

export interface Reply {
  data: Buffer;
  address: string;
  port: number;
  /** Date.now() when it arrived. */
  at: number;
}

/** A client socket bound to an ephemeral (or the given) port; every datagram it receives is queued. */
export class UdpClient {
  readonly replies: Reply[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: dgram.Socket) {
    socket.on("message", (data, rinfo) => {
      this.replies.push({ data, address: rinfo.address, port: rinfo.port, at: Date.now() });
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("error", () => {}); // an ICMP error reported on a later call is not this test's failure
  }

  static open(family: "udp4" | "udp6" = "udp4", bind: { address?: string; port?: number } = {}): Promise<UdpClient> {
    const socket = dgram.createSocket({ type: family, recvBufferSize: 4 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(bind.port ?? 0, bind.address ?? (family === "udp4" ? "127.0.0.1" : "::1"), () => {
        socket.off("error", reject);
        resolve(new UdpClient(socket));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Uint8Array, port: number, host = "127.0.0.1"): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, host, (e) => (e ? reject(e) : resolve())));
  }

  /** Resolves once `count` replies are queued in all, or after `ms`; says whether they all came. */
  async waitFor(count: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.replies.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Sends one datagram and waits for one more reply, resending up to `tries` times if none comes. */
  async echo(data: Uint8Array, port: number, host = "127.0.0.1", tries = 3): Promise<Reply | null> {
    const before = this.replies.length;
    for (let i = 0; i < tries; i++) {
      await this.send(data, port, host);
      if (await this.waitFor(before + 1, 2000)) return this.replies[before]!;
    }
    return null;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/** The UDP part of GET /stats. */
export interface UdpStats {
  received: number;
  echoed: number;
  truncated: number;
  dropped: { reflectionPort: number; ownPort: number; rate: number };
  bytes: { received: number; sent: number };
  peerGone: number;
  errors: number;
}

export async function udpStats(admin: (path: string) => Promise<Response>): Promise<UdpStats> {
  const stats = (await (await admin("/stats")).json()) as { udp: UdpStats };
  return stats.udp;
}

/** Polls /stats until `done` holds (the counters are published once per loop turn), or `ms` passes. */
export async function udpStatsWhen(
  admin: (path: string) => Promise<Response>,
  done: (s: UdpStats) => boolean,
  ms = 5000,
): Promise<UdpStats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await udpStats(admin);
    if (done(s) || Date.now() > deadline) return s;
    await Bun.sleep(50);
  }
}

/** Whether this process may bind ports below 1024 (the reflection ports 7 and 19). */
export async function canBindPrivileged(): Promise<boolean> {
  try {
    const c = await UdpClient.open("udp4", { port: 19 });
    c.close();
    return true;
  } catch {
    return false;
  }
}
