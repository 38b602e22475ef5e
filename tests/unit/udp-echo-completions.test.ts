import { describe, expect, test } from "bun:test";
import type { IssueResult } from "../../src/engine.ts";
import { NO_UDP_BUFFER, type UdpQueue } from "../../src/udp-queue.ts";
import { OsError } from "../../src/os-error.ts";
import { UdpEcho, type UdpFields } from "../../src/udp-echo.ts";
import { SourceRateTable } from "../../src/udp-policy.ts";

const SERVER_PORT = 6000;
const F: UdpFields = {
  received: 0,
  echoed: 1,
  truncated: 2,
  droppedReflectionPort: 3,
  droppedOwnPort: 4,
  droppedRate: 5,
  bytesReceived: 6,
  bytesSent: 7,
  peerGone: 8,
  errors: 9,
};
const ECONNRESET = -104;
const ENETRESET = -102;
const EMSGSIZE = -90;
const ENOBUFS = -105;
const ECANCELED = -125;

/** Records what the handler asks of the queue; each buffer has a source port and address. */
class FakeUdpQueue implements UdpQueue {
  readonly calls: string[] = [];
  readonly sources = new Map<number, { port: number; address: number }>();
  armResult: IssueResult = "pending";
  replyResult: IssueResult = "pending";
  pending = false;
  operations = 0;
  startReceiving(): IssueResult {
    this.calls.push("arm");
    return this.armResult;
  }
  stopReceiving(): void {
    this.calls.push("stop");
  }
  source(buffer: number, key: Uint32Array): number {
    const s = this.sources.get(buffer) ?? { port: 40000, address: 1 };
    key.set([0, 0, 0xffff, s.address]);
    return s.port;
  }
  reply(buffer: number, length: number): IssueResult {
    this.calls.push(`reply ${buffer} ${length}`);
    return this.replyResult;
  }
  recycleResult: IssueResult = "pending";
  recycle(buffer: number): IssueResult {
    this.calls.push(`recycle ${buffer}`);
    return this.recycleResult;
  }
}

function setup(rate = 0) {
  const queue = new FakeUdpQueue();
  const counters = new Float64Array(10);
  const rates = new SourceRateTable(new ArrayBuffer(SourceRateTable.bytesFor(64)), rate);
  const udp = new UdpEcho(queue, SERVER_PORT, rates, counters, F);
  udp.start();
  queue.calls.length = 0;
  return { queue, counters, udp };
}

describe("UDP completions", () => {
  test("a datagram is echoed from its buffer, which is recycled once the echo has left", () => {
    const { queue, counters, udp } = setup();
    udp.onReceive(3, 100, 1, 0);
    expect(queue.calls).toEqual(["reply 3 100"]);
    udp.onSend(3, 100);
    expect(queue.calls).toEqual(["reply 3 100", "recycle 3"]);
    expect([counters[F.received], counters[F.echoed], counters[F.bytesReceived], counters[F.bytesSent]]).toEqual([
      1, 1, 100, 100,
    ]);
  });

  test("a zero-byte datagram is echoed too (RFC 862 says every datagram)", () => {
    const { queue, udp } = setup();
    udp.onReceive(0, 0, 1, 0);
    expect(queue.calls).toEqual(["reply 0 0"]);
  });

  // The Windows failure mode Wine cannot show: an ICMP port-unreachable after
  // an echo fails the next WSARecvFrom with WSAECONNRESET (or WSAENETRESET).
  for (const [name, res] of [
    ["WSAECONNRESET", ECONNRESET],
    ["WSAENETRESET", ENETRESET],
  ] as const) {
    test(`${name} on a receive re-posts that buffer's receive and the next datagram is served`, () => {
      const { queue, counters, udp } = setup();
      udp.onReceive(5, res, 1, 0);
      expect(queue.calls).toEqual(["recycle 5"]);
      expect(counters[F.peerGone]).toBe(1);
      expect(counters[F.errors]).toBe(0);
      udp.onReceive(5, 12, 1, 0);
      expect(queue.calls).toEqual(["recycle 5", "reply 5 12"]);
    });
  }

  test("a datagram larger than the buffer is counted as truncated and never echoed", () => {
    const { queue, counters, udp } = setup();
    udp.onReceive(2, EMSGSIZE, 1, 0);
    expect(queue.calls).toEqual(["recycle 2"]);
    expect(counters[F.truncated]).toBe(1);
    expect(counters[F.received]).toBe(1);
  });

  test("datagrams from reflection ports and from our own port are dropped and counted by reason", () => {
    const { queue, counters, udp } = setup();
    queue.sources.set(1, { port: 7, address: 1 });
    queue.sources.set(2, { port: 19, address: 1 });
    queue.sources.set(3, { port: SERVER_PORT, address: 2 });
    udp.onReceive(1, 10, 1, 0);
    udp.onReceive(2, 10, 1, 0);
    udp.onReceive(3, 10, 1, 0);
    expect(queue.calls).toEqual(["recycle 1", "recycle 2", "recycle 3"]);
    expect(counters[F.droppedReflectionPort]).toBe(2);
    expect(counters[F.droppedOwnPort]).toBe(1);
    expect(counters[F.echoed]).toBe(0);
  });

  test("over --udp-rate a source is dropped, another source is still echoed", () => {
    const { queue, counters, udp } = setup(5);
    for (let i = 0; i < 20; i++) udp.onReceive(i, 8, 1, 1000);
    queue.sources.set(99, { port: 40001, address: 2 });
    udp.onReceive(99, 8, 1, 1000);
    expect(queue.calls.filter((c) => c.startsWith("reply")).length).toBe(6);
    expect(queue.calls.at(-1)).toBe("reply 99 8");
    expect(counters[F.droppedRate]).toBe(15);
  });

  test("a reply that fails at once gives its buffer back and counts an error", () => {
    const { queue, counters, udp } = setup();
    queue.replyResult = new OsError("WSASendTo", "ENOBUFS", 10055);
    udp.onReceive(4, 10, 1, 0);
    expect(queue.calls).toEqual(["reply 4 10", "recycle 4"]);
    expect(counters[F.errors]).toBe(1);
  });

  test("a buffer that cannot be put back to work is counted, and the next tick asks the queue again", () => {
    const { queue, counters, udp } = setup();
    queue.recycleResult = new OsError("WSARecvFrom", "ENOBUFS", 10055);
    udp.onReceive(4, ECONNRESET, 1, 0);
    expect(counters[F.errors]).toBe(1);
    udp.start(true);
    expect(queue.calls).toEqual(["recycle 4", "arm"]);
  });

  test("a failed echo still recycles its buffer", () => {
    const { queue, counters, udp } = setup();
    udp.onReceive(4, 10, 1, 0);
    udp.onSend(4, ECONNRESET);
    expect(queue.calls).toEqual(["reply 4 10", "recycle 4"]);
    expect(counters[F.peerGone]).toBe(1);
  });

  test("a multishot receive that ends with its last datagram is armed again", () => {
    const { queue, udp } = setup();
    udp.onReceive(6, 10, 0, 0);
    expect(queue.calls).toEqual(["reply 6 10", "arm"]);
  });

  test("ENOBUFS (every buffer out in echoes) re-arms when the first buffer comes back, not before", () => {
    const { queue, counters, udp } = setup();
    udp.onReceive(1, 10, 1, 0);
    udp.onReceive(2, 10, 1, 0);
    udp.onReceive(NO_UDP_BUFFER, ENOBUFS, 0, 0);
    expect(queue.calls).toEqual(["reply 1 10", "reply 2 10"]);
    expect(counters[F.errors]).toBe(0);
    udp.onSend(1, 10);
    expect(queue.calls.slice(2)).toEqual(["recycle 1", "arm"]);
    udp.onSend(2, 10);
    expect(queue.calls.slice(4)).toEqual(["recycle 2"]);
  });

  test("ENOBUFS when every buffer is already back (all dropped) re-arms at once", () => {
    const { queue, udp } = setup();
    queue.sources.set(1, { port: 19, address: 1 });
    udp.onReceive(1, 10, 1, 0);
    udp.onReceive(NO_UDP_BUFFER, ENOBUFS, 0, 0);
    expect(queue.calls).toEqual(["recycle 1", "arm"]);
  });

  test("a receive that keeps failing backs off to the loop's tick instead of spinning", () => {
    const { queue, udp } = setup();
    queue.armResult = new OsError("io_uring", "EBADF", 9);
    udp.onReceive(NO_UDP_BUFFER, -9, 0, 0);
    for (let i = 0; i < 10; i++) udp.start();
    const arms = queue.calls.filter((c) => c === "arm").length;
    expect(arms).toBeLessThanOrEqual(3);
    queue.armResult = "pending";
    udp.start(true);
    expect(queue.calls.at(-1)).toBe("arm");
  });

  test("after stop nothing is re-armed, and a cancelled receive is not an error", () => {
    const { queue, counters, udp } = setup();
    udp.stop();
    udp.onReceive(NO_UDP_BUFFER, ECANCELED, 0, 0);
    udp.onReceive(1, ECANCELED, 0, 0);
    expect(queue.calls).toEqual(["stop", "recycle 1"]);
    expect(counters[F.errors]).toBe(0);
    udp.start();
    expect(queue.calls).not.toContain("arm");
  });
});
