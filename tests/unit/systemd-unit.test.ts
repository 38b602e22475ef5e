import { expect, test } from "bun:test";
import { unitText } from "../../src/service/systemd-unit.ts";

const lines = (text: string) => text.split("\n");

test("the unit is Type=notify, runs serve on the service's config, restarts on failure and stops with SIGINT", () => {
  const unit = unitText({
    name: "edge",
    binary: "/opt/iocp-echo",
    preArgs: [],
    configPath: "/etc/iocp-echo/edge.json",
    drainTimeoutMs: 5000,
  });
  expect(lines(unit)).toEqual(
    expect.arrayContaining([
      "Type=notify",
      "ExecStart=/opt/iocp-echo serve --config /etc/iocp-echo/edge.json",
      "Restart=on-failure",
      "KillSignal=SIGINT",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      "NoNewPrivileges=yes",
      "WantedBy=multi-user.target",
    ]),
  );
});

test("TimeoutStopSec leaves room above the drain timeout", () => {
  const unit = unitText({ name: "n", binary: "/b", preArgs: [], configPath: "/c", drainTimeoutMs: 30_000 });
  const seconds = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
  expect(seconds * 1000).toBeGreaterThan(30_000);
});

test("ExecStart quotes a path with spaces and keeps a source checkout's entry script", () => {
  const unit = unitText({
    name: "n",
    binary: "/usr/bin/bun",
    preArgs: ["/srv/my echo/src/main.ts"],
    configPath: "/c",
    drainTimeoutMs: 0,
  });
  expect(lines(unit)).toContain('ExecStart=/usr/bin/bun "/srv/my echo/src/main.ts" serve --config /c');
});
