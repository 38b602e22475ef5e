import { expect, test } from "bun:test";
import { readyMessage, statusMessage, stoppingMessage, SystemdNotifier } from "../../src/service/sd-notify.ts";

const READY = {
  backend: "io_uring",
  workers: 2,
  echo: { host: "127.0.0.1", port: 6000 },
  admin: { host: "127.0.0.1", port: 9000 },
  pid: 42,
};

test("the notify messages carry READY=1, STATUS= counts and STOPPING=1 as sd_notify(3) spells them", () => {
  expect(readyMessage(READY).split("\n")).toEqual([
    "READY=1",
    "MAINPID=42",
    "STATUS=echo on 127.0.0.1:6000, admin on 127.0.0.1:9000 (io_uring, 2 workers)",
  ]);
  expect(statusMessage({ active: 3, accepted: 10 })).toBe("STATUS=3 connections open, 10 accepted");
  expect(stoppingMessage("SIGINT", { active: 1, accepted: 4 })).toBe(
    "STOPPING=1\nSTATUS=draining 1 connection (SIGINT)",
  );
});

test("a notify socket that refuses is reported once and never stops the server", () => {
  const warnings: string[] = [];
  const notifier = new SystemdNotifier(
    () => {
      throw new Error("sendto failed: ECONNREFUSED");
    },
    (m) => warnings.push(m),
  );
  notifier.ready(READY, () => ({ active: 0, accepted: 0 }));
  notifier.stopping("SIGINT", { active: 0, accepted: 0 });
  expect(warnings).toEqual(["systemd notify socket: sendto failed: ECONNREFUSED"]);
});
