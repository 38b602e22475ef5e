import { expect, test } from "bun:test";
import { describeTargets, ServerProcess } from "./harness.ts";

describeTargets("SIGINT and SIGTERM stop the server gracefully with exit 0", (t) => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(signal, async () => {
      if (!t.procIsServer) return; // Wine's loader is not the server process: signals do not reach it the same way.
      const server = await ServerProcess.start(t);
      server.proc.kill(signal);
      expect(await server.exit()).toBe(0);
      expect(server.stderrText).toContain(`shutting down (${signal})`);
    });
  }
});
