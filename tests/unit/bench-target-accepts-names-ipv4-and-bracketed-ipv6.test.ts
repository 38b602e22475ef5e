import { expect, test } from "bun:test";
import { parseTarget, resolveTarget, targetProblem } from "../../src/bench/target.ts";

test("IPv4, names and bracketed IPv6 parse", () => {
  expect(parseTarget("10.0.0.5:6000")).toEqual({ host: "10.0.0.5", port: 6000 });
  expect(parseTarget("localhost:7")).toEqual({ host: "localhost", port: 7 });
  expect(parseTarget("echo-1.example.net:65535")).toEqual({ host: "echo-1.example.net", port: 65535 });
  expect(parseTarget("[::1]:6000")).toEqual({ host: "::1", port: 6000 });
  expect(parseTarget("[fe80::1:2]:1")).toEqual({ host: "fe80::1:2", port: 1 });
});

test("each malformed target is refused with what is wrong", () => {
  expect(targetProblem("6000")).toContain("HOST:PORT");
  expect(targetProblem("::1:6000")).toContain("brackets");
  expect(targetProblem("[10.0.0.1]:6000")).toContain("not an IPv6 address");
  expect(targetProblem("host:0")).toContain("1 to 65535");
  expect(targetProblem("host:70000")).toContain("1 to 65535");
  expect(targetProblem("host:http")).toContain("port must be a number");
  expect(targetProblem("bad_name!:80")).toContain("neither an IP address nor a host name");
  expect(targetProblem(":80")).toContain("HOST:PORT");
});

test("a literal address needs no resolver, and localhost resolves", async () => {
  expect(await resolveTarget({ host: "::1", port: 9 })).toEqual({ host: "::1", port: 9, address: "::1", family: 6 });
  const local = await resolveTarget({ host: "localhost", port: 9 });
  expect(["127.0.0.1", "::1"]).toContain(local.address);
});
