import { expect, test } from "bun:test";
import { connectErrorKind, ioErrorKind } from "../../src/bench/errors.ts";
import { BENCH_OPTIONS, benchConfigProblem, withDefaults } from "../../src/bench/options.ts";
import { ConfigError, parseOptions } from "../../src/cli/options.ts";
import { ERRNO } from "../../src/os-error.ts";

function parse(argv: string[]) {
  const r = parseOptions(BENCH_OPTIONS, argv);
  if (r.kind !== "run") throw new Error(r.kind);
  return r.values;
}

test("short aliases -c -l -d -i set connections, size, duration and interval", () => {
  const v = parse(["--target", "h:1", "-c", "7", "-l", "512", "-d", "0.5", "-i", "0.25"]);
  expect([v.connections, v.size, v.duration, v.interval]).toEqual([7, 512, 0.5, 0.25]);
  expect(benchConfigProblem(v)).toBeNull();
});

test("defaults follow the issue's contract, and workers never exceed connections", () => {
  const v = withDefaults(parse(["--target", "h:1", "-c", "1"]));
  expect(v).toMatchObject({ size: 64, duration: 10, warmup: 1, mode: "pingpong", pipeline: 1, rate: 0, json: false });
  expect(v.workers).toBe(1);
});

test("a refused value names the flag and what it accepts", () => {
  expect(() => parse(["--target", "h:1", "-d", "0"])).toThrow(
    new ConfigError("--duration: must be seconds from 0.1 to 86400; got 0"),
  );
  expect(() => parse(["-c", "5"])).toThrow("--target: required");
});

test("connect failures and transfer failures are sorted into kinds", () => {
  expect(connectErrorKind(-ERRNO.ECONNREFUSED)).toBe("refused");
  expect(connectErrorKind(-ERRNO.ETIMEDOUT)).toBe("timedOut");
  expect(connectErrorKind(-ERRNO.ECANCELED)).toBe("timedOut");
  expect(connectErrorKind(-ERRNO.ENETUNREACH)).toBe("unreachable");
  expect(connectErrorKind(-ERRNO.EHOSTUNREACH)).toBe("unreachable");
  expect(connectErrorKind(-ERRNO.EACCES)).toBe("connectOther");
  expect(ioErrorKind(-ERRNO.ECONNRESET)).toBe("reset");
  expect(ioErrorKind(-ERRNO.EPIPE)).toBe("reset");
  expect(ioErrorKind(-ERRNO.EIO)).toBe("ioOther");
});
