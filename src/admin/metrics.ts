/**
 * /metrics: the /stats snapshot in the Prometheus text exposition format
 * (0.0.4), one sample per value declared with a metric name in
 * stats-fields.ts, plus completions per worker.
 */
import { STAT_LIST, valueAt, type StatsSnapshot } from "../stats-fields.ts";
import type { ThreadInfo } from "../stats.ts";

const PREFIX = "iocp_echo_";

export function renderMetrics(s: StatsSnapshot, threads: ThreadInfo[]): string {
  const lines: string[] = [];
  for (const { path, decl } of STAT_LIST) {
    if (decl.kind === "label" || decl.metric === null) continue;
    const name = `${PREFIX}${decl.metric}${decl.type === "counter" ? "_total" : ""}`;
    lines.push(`# HELP ${name} ${decl.help}`, `# TYPE ${name} ${decl.type}`);
    lines.push(`${name}{backend="${s.backend}"} ${valueAt(s, path)}`);
  }
  const perWorker = `${PREFIX}worker_completions_total`;
  lines.push(`# HELP ${perWorker} Completions handled per worker.`, `# TYPE ${perWorker} counter`);
  for (const t of threads) lines.push(`${perWorker}{worker="${t.id}"} ${t.completions}`);
  return `${lines.join("\n")}\n`;
}
