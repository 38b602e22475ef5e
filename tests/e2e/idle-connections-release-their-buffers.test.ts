import { expect, test } from "bun:test";
import { connect, readAll, readExactly, randomBytes, sha256 } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

interface Stats {
  connections: { active: number; closed: number };
  loop: { idleReleases: number };
}

/**
 * A connection silent for a second stops holding its receive buffer: on
 * IOCP its pending receive is swapped for a zero-byte read (a pending
 * WSARecv locks its pages); on io_uring the pages its last message touched
 * are returned to the OS. Either way the client must not notice: the next
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
    // Each worker sweeps its share once a second, and on IOCP the swap takes
    // a trip through the port, so under a slow Wine it can land later.
    const idleReleases = async () => ((await (await server.admin("/stats")).json()) as Stats).loop.idleReleases;
    const deadline = Date.now() + 15_000;
    while ((await idleReleases()) < 3 && Date.now() < deadline) await Bun.sleep(200);
    expect(await idleReleases()).toBeGreaterThanOrEqual(3);

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

  test("a connection silent because its echo is blocked keeps its buffer: every byte comes back", async () => {
    // The client writes 8 MiB and reads nothing for 2.5 s: the server's send
    // waits on a full socket with bytes still to go from the slot's buffer,
    // and no completion comes. Releasing that buffer would send zeros.
    const server = await ServerProcess.start(t, []);
    const client = await connect(server.echoPort);
    client.pause();
    const payload = randomBytes(8 * 1024 * 1024);
    client.write(payload);
    await Bun.sleep(2500);
    client.resume();
    expect(sha256(await readExactly(client, payload.length))).toBe(sha256(payload));
    client.end();
    expect(await server.stop()).toBe(0);
  }, 60_000);
});
