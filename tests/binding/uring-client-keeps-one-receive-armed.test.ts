import { expect, test } from "bun:test";
import { join } from "node:path";
import { runChild } from "./child.ts";

test("the bench's io_uring client keeps one receive armed: each echo arrives with `more` set until an abort ends it", async () => {
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: (socket, data) => void socket.write(data) },
  });
  try {
    const child = join(import.meta.dir, "uring-client-armed.child.ts");
    const { out, err, code } = await runChild(child, String(server.port));
    expect(err).toBe("");
    expect(code).toBe(0);
    const r = JSON.parse(out);
    // Linux 6.0 has multishot recv; every machine we test on is newer.
    expect(r.multishot).toBe(true);
    expect(r.connected).toBe(0);
    expect(r.echoes).toEqual([
      { res: 64, more: 1, same: true },
      { res: 64, more: 1, same: true },
      { res: 64, more: 1, same: true },
    ]);
    // shutdown(2) ends the armed receive: the peer's end reads as 0, and it is not armed any more.
    expect(r.afterAbort).toEqual({ res: 0, more: 0 });
  } finally {
    server.stop(true);
  }
});
