import { expect, test } from "bun:test";
import {
  adminUrl,
  linuxServicePaths,
  serviceNameProblem,
  stopBudgetMs,
  windowsCommandLine,
  windowsServicePaths,
} from "../../src/service/service-paths.ts";

test("Windows paths come from the registry's ProgramData before the environment's, never the working directory", () => {
  expect(windowsServicePaths("edge", "D:\\Data", { ProgramData: "C:\\users\\Public" })).toEqual({
    dir: "D:\\Data\\iocp-echo\\edge",
    config: "D:\\Data\\iocp-echo\\edge\\config.json",
    logs: "D:\\Data\\iocp-echo\\edge\\logs",
    logFile: "D:\\Data\\iocp-echo\\edge\\logs\\iocp-echo.log",
  });
  expect(windowsServicePaths("edge", null, { PROGRAMDATA: "E:\\PD" }).config).toBe(
    "E:\\PD\\iocp-echo\\edge\\config.json",
  );
  expect(windowsServicePaths("edge", null, {}).config).toBe("C:\\ProgramData\\iocp-echo\\edge\\config.json");
});

test("Linux paths are absolute: the unit under /etc/systemd/system, the config under /etc/iocp-echo", () => {
  expect(linuxServicePaths("edge")).toEqual({
    unit: "/etc/systemd/system/edge.service",
    config: "/etc/iocp-echo/edge.json",
  });
});

test("the SCM's command line quotes each path, spaces included", () => {
  expect(windowsCommandLine(["C:\\Program Files\\iocp-echo\\iocp-echo.exe"], "edge")).toBe(
    '"C:\\Program Files\\iocp-echo\\iocp-echo.exe" service run --name edge',
  );
});

test("service names that sc.exe and systemd take unquoted pass; others are named", () => {
  expect(serviceNameProblem("iocp-echo_2.a")).toBeNull();
  expect(serviceNameProblem("-x")).toContain('got "-x"');
  expect(serviceNameProblem("a/b")).not.toBeNull();
  expect(serviceNameProblem("x".repeat(81))).not.toBeNull();
});

test("the stop budget covers the drain timeout; IPv6 admin hosts get brackets", () => {
  expect(stopBudgetMs(5000)).toBeGreaterThan(5000);
  expect(adminUrl("::1", 9000)).toBe("http://[::1]:9000");
  expect(adminUrl("127.0.0.1", 9000)).toBe("http://127.0.0.1:9000");
});
