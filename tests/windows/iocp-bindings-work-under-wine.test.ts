import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { wineEnv } from "./wine-env.ts";

const ROOT = join(import.meta.dir, "../..");
const EXE = join(ROOT, "dist/iocp-smoke.exe");
const lane = (process.env.IOCP_ECHO_TARGETS ?? "").split(",").includes("wine");

// Runs only in the Windows lane (tests/run.ts compiles the .exe and turns the lane on).
test.skipIf(!lane)(
  "kernel32 and ws2_32 through bun:ffi in a compiled .exe: post/dequeue on a CompletionPort, errors as OsErrors",
  async () => {
    expect(existsSync(EXE)).toBe(true);
    const proc = Bun.spawn([process.env.WINE ?? "wine", EXE], {
      env: { ...process.env, ...wineEnv() },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    clearTimeout(timer);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.portValid).toBe(true);
    expect(r.removed).toBe(1);
    expect(r.entry).toEqual({ key: 0x1234, overlapped: 0, bytes: 77 });
    expect(r.timedOut).toBe(0); // WAIT_TIMEOUT is "none yet", not an error
    expect(r.associateError.call).toBe("CreateIoCompletionPort");
    expect(r.associateError.raw).toBeGreaterThan(0); // read right after the call, inside associate()
    expect(r.startup).toBe(0);
    expect(r.recvFailed).toBe(true);
    expect(r.recvError).toBe(10038); // WSAENOTSOCK: the code survived the FFI boundary
    expect(r.threadId).toBeGreaterThan(0);
  },
);
