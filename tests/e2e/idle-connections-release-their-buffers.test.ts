import { expect, test } from "bun:test";
import { connect, readAll, readExactly, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

interface Stats {
  connections: { active: number; closed: number };
  loop: { zeroByteReads: number };
}

/**
 * A connection silent for a second has its pending receive swapped for a
 * zero-byte read on IOCP (no buffer pinned while it waits); on io_uring
 * nothing needs doing. Either way the client must not notice: the next
 * bytes, a half-close, and a shutdown all behave as on a busy connection.
 */
describeTargets("idle connections stop pinning their receive buffer and still echo exactly", (t) => {
  test("parked connections echo, half-close and shut down cleanly", async () => {
    const server = await ServerProcess.start(t, ["--drain-timeout", "500"]);
    const echoing = await connect(server.echoPort);
    const closing = await connect(server.echoPort);
    const held = await connect(server.echoPort);
    for (const c of [echoing, closing, held]) {
      c.write("hi");
      expect((await readExactly(c, 2)).toString()).toBe("hi");
    }
    await Bun.sleep(2500); // past the one-second mark and at least one sweep
    // Each worker sweeps its share once a second and the swap takes a trip
    // through the port, so under a slow Wine it can land a little later.
    const zeroByteReads = async () => ((await (await server.admin("/stats")).json()) as Stats).loop.zeroByteReads;
    if (t.name === "wine") {
      const deadline = Date.now() + 15_000;
      while ((await zeroByteReads()) < 3 && Date.now() < deadline) await Bun.sleep(200);
      expect(await zeroByteReads()).toBeGreaterThanOrEqual(3);
    } else {
      expect(await zeroByteReads()).toBe(0); // io_uring pins nothing while it waits
    }

    // Well over one buffer, so the receive after the zero-byte read runs many times.
    const payload = randomBytes(300_000);
    echoing.write(payload);
    expect(sha256(await readExactly(echoing, payload.length))).toBe(sha256(payload));

    const last = randomBytes(20_000);
    const rest = readAll(closing);
    closing.end(last);
    expect(sha256(await rest)).toBe(sha256(last));

    // `held` is parked again (or still) when the drain timeout cuts it.
    await Bun.sleep(1500);
    const cut = readAll(held);
    expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
    expect((await cut).length).toBe(0);
    echoing.end();
    expect(await server.exit()).toBe(0);
  }, 60_000);
});
