import { expect, test } from "bun:test";
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from "node:fs";
import { BASE_ARGS, describeTargets, runCli } from "./harness.ts";

const SYSCTL = "/proc/sys/kernel/io_uring_disabled";

function canToggle(): boolean {
  if (!existsSync(SYSCTL)) return false; // kernels before 6.6 have no switch
  try {
    accessSync(SYSCTL, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

describeTargets("when the kernel refuses io_uring, start-up exits 1 naming io_uring_setup and the errno", (t) => {
  // Flips a machine-wide switch for a moment (restored in finally): needs root
  // and a writable /proc/sys; the Windows target has no io_uring to refuse.
  const runnable = t.name !== "wine" && canToggle();
  test.skipIf(!runnable)(
    `kernel.io_uring_disabled=2${runnable ? "" : " (needs root, Linux 6.6+, not Wine)"}`,
    async () => {
      const before = readFileSync(SYSCTL, "utf8").trim();
      let result: Awaited<ReturnType<typeof runCli>>;
      try {
        writeFileSync(SYSCTL, "2");
        result = await runCli(t, BASE_ARGS);
      } finally {
        writeFileSync(SYSCTL, before);
      }
      expect(result.stderr).toMatch(/io_uring_setup failed: EPERM \(1\): io_uring is disabled here/);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
    },
  );
});
