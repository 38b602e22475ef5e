import { expect, test } from "bun:test";
import { join } from "node:path";

test("a NOP and a MSG_RING go through io_uring rings, and cqe.res carries -errno", async () => {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "ring-smoke.child.ts")], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  expect(err).toBe("");
  expect(code).toBe(0);
  const r = JSON.parse(out);
  expect(r.nop).toEqual({ lo: 0x1234, hi: 0xabcd, res: 0 });
  expect(r.sent.res).toBe(0);
  expect(r.received).toEqual({ lo: 0x5678, hi: 0, res: 77 });
  expect(r.badFd.res).toBe(-9); // -EBADF
});
