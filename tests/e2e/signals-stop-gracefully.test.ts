import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("SIGINT and SIGTERM stop the server gracefully with exit 0", (t) => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const delivered = t.gracefulSignals.includes(signal);
    // Under Wine only SIGINT becomes a console event (CTRL_C_EVENT); Windows has no SIGTERM.
    test.skipIf(!delivered)(`${signal}${delivered ? "" : " (no such signal on this target)"}`, async () => {
      const server = await ServerProcess.start(t);
      server.proc.kill(signal);
      expect(await server.exit()).toBe(0);
      expect(server.stderrText).toContain(`shutting down (${signal})`);
    });
  }
});
