/** /metrics: the /stats snapshot in the Prometheus text exposition format (0.0.4). */
import type { StatsSnapshot, ThreadInfo } from "../stats.ts";

type Sample = [name: string, type: "counter" | "gauge", help: string, value: number];

export function renderMetrics(s: StatsSnapshot, threads: ThreadInfo[]): string {
  const samples: Sample[] = [
    ["iocp_echo_uptime_seconds", "gauge", "Seconds since the server started.", s.uptimeSeconds],
    ["iocp_echo_workers", "gauge", "Completion-loop worker threads.", s.workers],
    ["iocp_echo_connections_active", "gauge", "Open echo connections.", s.connections.active],
    ["iocp_echo_connections_peak", "gauge", "Most connections open at once.", s.connections.peak],
    ["iocp_echo_connections_accepted_total", "counter", "Connections accepted.", s.connections.accepted],
    ["iocp_echo_connections_closed_total", "counter", "Connections closed.", s.connections.closed],
    [
      "iocp_echo_connections_rejected_total",
      "counter",
      "Connections refused over --max-connections or during shutdown.",
      s.connections.rejected,
    ],
    [
      "iocp_echo_connections_idle_closed_total",
      "counter",
      "Connections closed by --idle-timeout.",
      s.connections.idleClosed,
    ],
    ["iocp_echo_bytes_received_total", "counter", "Bytes received from clients.", s.bytes.received],
    ["iocp_echo_bytes_sent_total", "counter", "Bytes echoed back to clients.", s.bytes.sent],
    ["iocp_echo_operations_total", "counter", "I/O operations issued.", s.operations],
    ["iocp_echo_completions_total", "counter", "Completions handled.", s.completions],
    ["iocp_echo_errors_total", "counter", "Operations that completed with an error.", s.errors],
    ["iocp_echo_dequeues_total", "counter", "Calls that waited for completions.", s.loop.dequeues],
    ["iocp_echo_wait_seconds_total", "counter", "Time workers spent waiting for completions.", s.loop.waitSeconds],
    [
      "iocp_echo_kernel_waits_total",
      "counter",
      "Calls into the OS completion wait (io_uring_enter, GetQueuedCompletionStatusEx).",
      s.loop.kernelWaits,
    ],
    [
      "iocp_echo_inline_completions_total",
      "counter",
      "Completions handled without a dequeue (IOCP skip-on-success).",
      s.loop.inlineCompletions,
    ],
    [
      "iocp_echo_idle_releases_total",
      "counter",
      "Idle connections' receive buffers released (zero-byte reads on IOCP, pages dropped on io_uring).",
      s.loop.idleReleases,
    ],
  ];
  const lines: string[] = [];
  for (const [name, type, help, value] of samples) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}{backend="${s.backend}"} ${value}`);
  }
  lines.push(
    "# HELP iocp_echo_worker_completions_total Completions handled per worker.",
    "# TYPE iocp_echo_worker_completions_total counter",
  );
  for (const t of threads) lines.push(`iocp_echo_worker_completions_total{worker="${t.id}"} ${t.completions}`);
  return `${lines.join("\n")}\n`;
}
