import { expect, test } from "bun:test";
import { join } from "node:path";
import { runChild } from "./child.ts";

test("a NOP and a MSG_RING go through io_uring rings, and cqe.res carries -errno", async () => {
  const { out, err, code } = await runChild(join(import.meta.dir, "ring-smoke.child.ts"));
  expect(err).toBe("");
  expect(code).toBe(0);
  const r = JSON.parse(out);
  expect(r.nop).toEqual({ lo: 0x1234, hi: 0xabcd, res: 0 });
  expect(r.sent.res).toBe(0);
  expect(r.received).toEqual({ lo: 0x5678, hi: 0, res: 77 });
  expect(r.badFd.res).toBe(-9); // -EBADF
});
