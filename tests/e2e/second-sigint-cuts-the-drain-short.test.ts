import { expect, test } from "bun:test";
import { closedByPeer, connect, readExactly } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("a second SIGINT during the drain stops at once, cleanly", (t) => {
  test.skipIf(!t.gracefulSignals.includes("SIGINT"))("drain timeout 10 minutes, two SIGINTs", async () => {
    const server = await ServerProcess.start(t, ["--drain-timeout", "600000"]);
    const socket = await connect(server.echoPort);
    // An echo proves the server accepted the connection, so the drain has
    // something to wait for.
    socket.write("open");
    expect((await readExactly(socket, 4)).toString()).toBe("open");
    socket.on("error", () => {});
    server.proc.kill("SIGINT");
    // Wait until the first signal has started the drain before sending the second.
    const deadline = Date.now() + 10_000;
    while (!server.stderrText.includes("shutting down (SIGINT)") && Date.now() < deadline) await Bun.sleep(20);
    expect((await server.admin("/healthz")).status).toBe(503);
    server.proc.kill("SIGINT");
    // exit() gives up after 20 s: far less than the 10-minute drain, so
    // passing means the second signal cut the drain short.
    expect(await server.exit(20_000)).toBe(0);
    await closedByPeer(socket, 10_000); // the open connection was closed, not left dangling
    socket.destroy();
  });
});
