import { expect, test } from "bun:test";
import type { ErrorKind } from "../../src/bench/errors.ts";
import { BrokenEcho, bench } from "./bench-client.ts";
import { describeTargets } from "./harness.ts";

/** Each fault of tests/fixtures/broken-echo.ts and the kind the client must name. */
const FAULTS: [fault: string, kind: ErrorKind][] = [
  ["flip", "corrupt"],
  ["drop", "dropped"],
  ["add", "extra"],
  ["crosstalk", "crosstalk"],
  ["close", "closed"],
  ["silent", "stall"],
];

describeTargets("bench reports each broken server by kind", (t) => {
  for (const [fault, kind] of FAULTS) {
    test(`a server that gets it wrong (${fault}) is reported as ${kind}, exit 1`, async () => {
      const server = await BrokenEcho.start(fault);
      try {
        const run = await bench(t, `127.0.0.1:${server.port}`, ["-c", "4", "--workers", "2"]);
        expect(run.code).toBe(1);
        const r = run.report!;
        expect(r.verdict).toBe("errors");
        expect(r.errors[kind]).toBe(4);
        const others = Object.entries(r.errors).filter(([k, n]) => k !== kind && n > 0);
        expect(others).toEqual([]);
      } finally {
        server.stop();
      }
    });
  }
});
