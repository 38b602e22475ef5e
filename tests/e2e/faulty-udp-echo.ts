/**
 * Starts tests/fixtures/faulty-udp-echo.ts for the bench's UDP tests, and
 * asks it what it did.
 */
import dgram from "node:dgram";
import { startFixture } from "./harness.ts";

/** What the fixture did, by kind (see its header). */
export interface FaultCounts {
  received: number;
  dropped: number;
  duplicated: number;
  swapped: number;
  released: number;
  corrupted: number;
  cut: number;
}

export class FaultyUdpEcho {
  private constructor(
    private readonly proc: Bun.Subprocess<"ignore", "pipe", "ignore">,
    readonly port: number,
  ) {}

  static async start(fault: string): Promise<FaultyUdpEcho> {
    const { proc, port } = await startFixture("faulty-udp-echo", [fault]);
    return new FaultyUdpEcho(proc, port);
  }

  /** The fixture's counts, asked with a datagram too short to be the bench's; bounded to 5 s. */
  async counts(): Promise<FaultCounts> {
    const socket = dgram.createSocket("udp4");
    try {
      return await new Promise<FaultCounts>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("faulty-udp-echo did not say its counts")), 5000);
        socket.on("message", (data) => {
          clearTimeout(timer);
          resolve(JSON.parse(data.toString()) as FaultCounts);
        });
        socket.send("counts", this.port, "127.0.0.1");
      });
    } finally {
      socket.close();
    }
  }

  stop(): void {
    this.proc.kill();
  }
}
