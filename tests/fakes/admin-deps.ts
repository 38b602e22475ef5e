/** AdminDeps for app.request() tests: two workers, real stats layout, counted shutdowns. */
import type { AdminDeps } from "../../src/admin/app.ts";
import { snapshot, StatsLayout } from "../../src/stats.ts";

export type FakeAdminDeps = AdminDeps & { shutdowns: number };

export function fakeAdminDeps(over: Partial<AdminDeps> = {}): FakeAdminDeps {
  const layout = StatsLayout.create(2);
  const d: FakeAdminDeps = {
    shutdowns: 0,
    stats: () => snapshot(layout, "fake", 0, 1000),
    threads: () => [
      { id: 0, threadId: 11, state: "waiting" as const, completions: 5, lastActivity: null },
      { id: 1, threadId: 12, state: "running" as const, completions: 7, lastActivity: "2026-01-01T00:00:00.000Z" },
    ],
    shutdown: (): boolean => d.shutdowns++ === 0,
    unhealthy: () => null,
    about: { version: "9.9.9", protocols: ["tcp"] },
    ...over,
  };
  return d;
}
