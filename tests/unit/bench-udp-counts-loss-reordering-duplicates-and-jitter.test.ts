import { describe, expect, test } from "bun:test";
import { checkDatagram, readSeq, writeDatagram } from "../../src/bench/datagram.ts";
import { DatagramTracker, Echo, historyFor } from "../../src/bench/datagram-tracker.ts";

const TIMEOUT_MS = 200;

/** Sends `n` datagrams at `atMs`; returns their sequence numbers. */
function sendAll(t: DatagramTracker, n: number, atMs: number): number[] {
  return Array.from({ length: n }, () => t.send(atMs));
}

describe("the datagram tracker", () => {
  test("in-order echoes are all received: nothing lost, reordered or duplicated", () => {
    const t = new DatagramTracker(4);
    for (let round = 0; round < 10; round++) {
      const seqs = sendAll(t, 4, round * 10);
      for (const seq of seqs) expect(t.echo(seq, round * 10 + 1)).toBe(Echo.OnTime);
    }
    expect([t.sent, t.received, t.lost, t.reordered, t.duplicate, t.late]).toEqual([40, 40, 0, 0, 0, 0]);
    expect(t.outstanding).toBe(0);
  });

  test("the window bounds the datagrams out", () => {
    const t = new DatagramTracker(3);
    sendAll(t, 3, 0);
    expect(t.canSend()).toBe(false);
    t.echo(1, 1);
    expect(t.canSend()).toBe(true);
  });

  test("a swapped pair counts one reordered datagram, and both as received", () => {
    const t = new DatagramTracker(2);
    sendAll(t, 2, 0);
    expect(t.echo(1, 1)).toBe(Echo.OnTime);
    expect(t.echo(0, 2)).toBe(Echo.OnTime);
    expect([t.received, t.reordered]).toEqual([2, 1]);
  });

  test("an echo seen twice is a duplicate, counted once as received", () => {
    const t = new DatagramTracker(1);
    t.send(0);
    expect(t.echo(0, 1)).toBe(Echo.OnTime);
    expect(t.echo(0, 2)).toBe(Echo.Duplicate);
    expect([t.received, t.duplicate]).toEqual([1, 1]);
  });

  test("a datagram not back within the timeout is lost once; its late echo is late, not received", () => {
    const t = new DatagramTracker(2);
    sendAll(t, 2, 0);
    t.echo(1, 5);
    expect(t.nextLossMs(TIMEOUT_MS)).toBe(TIMEOUT_MS);
    expect(t.expire(199, TIMEOUT_MS)).toBe(0);
    expect(t.expire(200, TIMEOUT_MS)).toBe(1);
    expect(t.expire(400, TIMEOUT_MS)).toBe(0);
    expect(t.echo(0, 450)).toBe(Echo.Late);
    expect(t.echo(0, 460)).toBe(Echo.Duplicate);
    expect([t.sent, t.received, t.lost, t.late, t.duplicate, t.reordered]).toEqual([2, 1, 1, 1, 1, 0]);
    expect(t.sent).toBe(t.received + t.lost);
    expect(t.nextLossMs(TIMEOUT_MS)).toBe(Number.POSITIVE_INFINITY);
  });

  test("only datagrams out long enough expire, oldest first", () => {
    const t = new DatagramTracker(4);
    t.send(0);
    t.send(50);
    t.send(100);
    expect(t.expire(260, TIMEOUT_MS)).toBe(2);
    expect(t.outstanding).toBe(1);
    expect(t.nextLossMs(TIMEOUT_MS)).toBe(300);
  });

  test("a sequence number never sent is not ours", () => {
    const t = new DatagramTracker(1);
    t.send(0);
    expect(t.echo(1, 1)).toBe(Echo.Unknown);
    expect(t.echo(2 ** 60, 1)).toBe(Echo.Unknown);
    expect(t.received).toBe(0);
  });

  test("a wrong echo naming a datagram out settles it: it is not also lost", () => {
    const t = new DatagramTracker(1);
    t.send(0);
    t.settle(0);
    expect(t.expire(1000, TIMEOUT_MS)).toBe(0);
    expect([t.received, t.lost, t.outstanding]).toEqual([0, 0, 0]);
  });

  test("a lost datagram holds the window no further than the history allows", () => {
    const t = new DatagramTracker(2);
    t.send(0); // never answered
    let now = 1;
    while (t.canSend()) t.echo(t.send(now), now++);
    expect(t.next).toBe(t.history);
    t.expire(now + TIMEOUT_MS, TIMEOUT_MS);
    expect(t.canSend()).toBe(true);
    expect(historyFor(1)).toBe(64);
    expect(historyFor(100)).toBe(1024);
  });

  test("jitter follows RFC 3550: J += (|D| - J) / 16 over successive round trips", () => {
    const t = new DatagramTracker(1);
    const roundTrips = [10, 12, 9, 9, 15];
    let now = 0;
    let expected = 0;
    let previous = Number.NaN;
    for (const rtt of roundTrips) {
      const seq = t.send(now);
      t.echo(seq, now + rtt);
      if (!Number.isNaN(previous)) expected += (Math.abs(rtt - previous) - expected) / 16;
      previous = rtt;
      now += 100;
    }
    expect(t.jitterMs).toBeCloseTo(expected, 12);
    // By hand: D = 2, 3, 0, 6 -> J = 0.125, 0.3046875, 0.28564453125, 0.642791748046875.
    expect(t.jitterMs).toBe(0.642791748046875);
    expect(t.hasJitter).toBe(true);
  });
});

test("open loop: latency counts from when a datagram was due, jitter from its actual send", () => {
  const t = new DatagramTracker(1);
  t.send(100, 40); // due at 40, sent late at 100
  t.echo(0, 110);
  expect(t.latencyMs).toBe(70);
  t.send(200, 200);
  t.echo(1, 212);
  expect(t.latencyMs).toBe(12);
  // Round trips 10 then 12: D = 2.
  expect(t.jitterMs).toBe(2 / 16);
});

test("echoes outside the measured time feed no jitter", () => {
  const t = new DatagramTracker(1);
  for (const [sent, back, measured] of [
    [0, 50, false],
    [100, 110, true],
    [200, 212, true],
    [300, 400, false],
  ] as const)
    t.echo(t.send(sent), back, measured);
  // Only 10 -> 12 counts: neither the warmup's 50 ms round trip nor the drain's 100 ms one.
  expect(t.jitterMs).toBe(2 / 16);
  expect(t.received).toBe(4);
});

describe("a datagram's echo is checked", () => {
  const SIZE = 64;
  const make = (stream: number, seq: number) => {
    const bytes = new Uint8Array(SIZE);
    writeDatagram(stream, seq, SIZE, bytes, 0);
    return bytes;
  };

  test("an exact echo passes and names its sequence number", () => {
    const d = make(3, 2 ** 33 + 5);
    expect(checkDatagram(3, 8, SIZE, d, 0, SIZE)).toBeNull();
    expect(readSeq(d, 0)).toBe(2 ** 33 + 5);
  });

  test("a flipped body byte is corruption; so is a flipped sequence number", () => {
    const body = make(3, 7);
    body[20]! ^= 1;
    expect(checkDatagram(3, 8, SIZE, body, 0, SIZE)).toBe("corrupt");
    const header = make(3, 7);
    header[0]! ^= 1;
    expect(checkDatagram(3, 8, SIZE, header, 0, SIZE)).toBe("corrupt");
  });

  test("a cut datagram is dropped bytes, a longer one extra bytes", () => {
    expect(checkDatagram(3, 8, SIZE, make(3, 1), 0, SIZE - 1)).toBe("dropped");
    const longer = new Uint8Array(SIZE + 1);
    longer.set(make(3, 1));
    expect(checkDatagram(3, 8, SIZE, longer, 0, SIZE + 1)).toBe("extra");
  });

  test("another socket's datagram is cross-talk", () => {
    expect(checkDatagram(3, 8, SIZE, make(5, 9), 0, SIZE)).toBe("crosstalk");
    expect(checkDatagram(0, 50_000, SIZE, make(40_000, 123), 0, SIZE)).toBe("crosstalk");
    // A stream beyond the run's is not one of its sockets: the bytes are corrupt.
    expect(checkDatagram(3, 4, SIZE, make(5, 9), 0, SIZE)).toBe("corrupt");
  });
});
