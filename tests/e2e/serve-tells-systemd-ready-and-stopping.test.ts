/**
 * Under systemd (Type=notify) serve speaks the notify protocol to the
 * socket in NOTIFY_SOCKET: READY=1 once the echo port listens, STOPPING=1
 * when the graceful stop begins. The test binds the datagram socket itself,
 * as a file path and as an abstract '@' name.
 */
import { afterEach, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { DatagramReceiver } from "../../src/ffi/linux/notify-socket.ts";
import { testDir } from "../temp-dir.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const receivers: DatagramReceiver[] = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.close();
});

/** Datagrams until one contains `wanted` (bounded in time). */
async function until(receiver: DatagramReceiver, wanted: string, seen: string[], ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (let d = receiver.receive(); d !== null; d = receiver.receive()) {
      seen.push(d);
      if (d.split("\n").includes(wanted)) return d;
    }
    await Bun.sleep(10);
  }
  throw new Error(`no ${wanted} within ${ms} ms; got ${JSON.stringify(seen)}`);
}

function echoOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write("ping"));
    socket.on("data", (d) => {
      socket.end();
      resolve(d.toString());
    });
    socket.on("error", reject);
  });
}

const notifyDir = testDir("iocp-echo-notify-");
let notifySockets = 0;
const sockets = {
  "file path": () => join(notifyDir, `notify-${notifySockets++}.sock`),
  "abstract @name": () => `@iocp-echo-notify-${process.pid}-${Date.now()}`,
};

describeTargets("serve tells systemd READY=1 after listening and STOPPING=1 at shutdown", (t) => {
  for (const [kind, name] of Object.entries(sockets)) {
    test.skipIf(t.name === "wine")(`over a NOTIFY_SOCKET that is a ${kind}`, async () => {
      const socketName = name();
      const receiver = DatagramReceiver.bind(socketName);
      receivers.push(receiver);
      const seen: string[] = [];
      const server = await ServerProcess.start(t, [], { NOTIFY_SOCKET: socketName });
      const ready = await until(receiver, "READY=1", seen);
      expect(ready).toContain(`MAINPID=${server.ready.pid}`);
      expect(ready).toContain(`STATUS=echo on 127.0.0.1:${server.echoPort}`);
      expect(await echoOnce(server.echoPort)).toBe("ping");
      expect((await server.admin("/shutdown", { method: "POST" })).status).toBe(202);
      const stopping = await until(receiver, "STOPPING=1", seen);
      expect(stopping).toContain("STATUS=draining");
      expect(await server.exit()).toBe(0);
    });
  }
});
