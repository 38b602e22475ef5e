import { expect, test } from "bun:test";
import { benchProgram } from "../bench-c.ts";
import { connect, readExactly } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

/**
 * 1000 connections ping-ponging as fast as they can keep a worker's queue
 * full of results. New connections must still be accepted and served
 * promptly: on IOCP a backlog of results handled inline once crowded the
 * port's packets (accepts among them) out of every batch.
 */
describeTargets("newcomers are accepted and echoed while 1000 connections are busy", (t) => {
  test("a client arriving mid-load gets its echo; the load loses nothing", async () => {
    // One worker: every result of every connection goes through one queue.
    const server = await ServerProcess.start(t, ["--max-connections", "2000", "--workers", "1"]);
    const load = Bun.spawn(
      [
        benchProgram("load"),
        "--port",
        String(server.echoPort),
        "--mode",
        "pingpong",
        "--size",
        "64",
        "--conns",
        "1000",
        "--seconds",
        "12",
      ],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    await Bun.sleep(2500);
    const late = await connect(server.echoPort);
    late.write("newcomer");
    expect((await readExactly(late, 8, 30_000)).toString()).toBe("newcomer");
    // Served while the load still runs (it has 9 s to go), not once it stops:
    // the starved build accepted it only after the last busy echo.
    expect(load.exitCode).toBeNull();
    late.end();
    const result = JSON.parse(await new Response(load.stdout).text()) as Record<string, number>;
    await load.exited;
    expect({ errors: result.errors, corrupted: result.corrupted, unreturned: result.unreturned }).toEqual({
      errors: 0,
      corrupted: 0,
      unreturned: 0,
    });
    expect(result.msgs).toBeGreaterThan(1000);
    expect(await server.stop()).toBe(0);
  }, 60_000);
});
