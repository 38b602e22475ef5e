/**
 * Every number the server reports, declared once. The /stats JSON has the
 * shape of STATS; a worker's counter row, /metrics and the numbers a schema
 * of /stats needs are derived from it.
 *
 * Adding a counter: one `counter(...)` line here, where it should appear in
 * /stats, and the line in the loop that counts it (`c[Field.Name]++`).
 */

type Unit = "seconds" | "bytes";

interface Described {
  /** One sentence, shown as the /metrics HELP and in API documentation. */
  help: string;
  type: "counter" | "gauge";
  unit?: Unit;
  /** Name in /metrics after "iocp_echo_" (a counter's gets "_total"); null: not in /metrics. */
  metric: string | null;
}

/** A cell in every worker's row, counted by that worker; /stats shows the sum over workers. */
export interface RowStat extends Described {
  kind: "row";
  /** The cell's name in Field. */
  field: string;
}

/** What the process knows beside the rows, for values that are not a sum of them. */
export interface ProcessValues {
  uptimeSeconds: number;
  workers: number;
  /** Process-wide cells (connections open now, and their peak). */
  active: number;
  peak: number;
  /** The sum over workers of a row cell. */
  sum(field: string): number;
}

/** A value for the whole process: a global cell, or computed from other values. */
export interface ProcessStat extends Described {
  kind: "process";
  value(p: ProcessValues): number;
}

/** A string shown in /stats and as a label on every /metrics sample. */
export interface LabelStat {
  kind: "label";
  help: string;
}

export type StatDecl = RowStat | ProcessStat | LabelStat;
type StatTree = { readonly [key: string]: StatDecl | StatTree };

function counter<F extends string>(field: F, metric: string, help: string, unit?: Unit) {
  return { kind: "row", type: "counter", field, metric, help, ...(unit ? { unit } : {}) } as const;
}

/** A cell in every worker's row that goes down as well as up; /stats shows the sum over workers. */
function rowGauge<F extends string>(field: F, metric: string, help: string, unit?: Unit) {
  return { kind: "row", type: "gauge", field, metric, help, ...(unit ? { unit } : {}) } as const;
}

function gauge(metric: string | null, help: string, value: (p: ProcessValues) => number, unit?: Unit) {
  return { kind: "process", type: "gauge", metric, help, value, ...(unit ? { unit } : {}) } as const;
}

export const STATS = {
  uptimeSeconds: gauge("uptime_seconds", "Seconds since the server started.", (p) => p.uptimeSeconds, "seconds"),
  backend: { kind: "label", help: "The completion engine: io_uring or iocp." },
  workers: gauge("workers", "Completion-loop worker threads.", (p) => p.workers),
  connections: {
    active: gauge("connections_active", "Open echo connections.", (p) => p.active),
    accepted: counter("Accepted", "connections_accepted", "Connections accepted."),
    closed: counter("Closed", "connections_closed", "Connections closed."),
    rejected: counter(
      "Rejected",
      "connections_rejected",
      "Connections refused over --max-connections or during shutdown.",
    ),
    peak: gauge("connections_peak", "Most connections open at once.", (p) => p.peak),
    idleClosed: counter("IdleClosed", "connections_idle_closed", "Connections closed by --idle-timeout."),
  },
  bytes: {
    received: counter("BytesReceived", "bytes_received", "Bytes received from clients.", "bytes"),
    sent: counter("BytesSent", "bytes_sent", "Bytes echoed back to clients.", "bytes"),
  },
  operations: counter("Operations", "operations", "I/O operations issued."),
  completions: counter("Completions", "completions", "Completions handled."),
  errors: counter("Errors", "errors", "Operations that completed with an error."),
  loop: {
    dequeues: counter("Dequeues", "dequeues", "Calls that waited for completions."),
    completionsPerDequeue: gauge(null, "Completions handled per call that waited (the mean batch).", (p) =>
      p.sum("Dequeues") > 0 ? p.sum("Completions") / p.sum("Dequeues") : 0,
    ),
    waitSeconds: counter("WaitSeconds", "wait_seconds", "Time workers spent waiting for completions.", "seconds"),
    kernelWaits: counter(
      "KernelWaits",
      "kernel_waits",
      "Calls into the OS completion wait (io_uring_enter, GetQueuedCompletionStatusEx).",
    ),
    inlineCompletions: counter(
      "InlineCompletions",
      "inline_completions",
      "Completions handled without a dequeue (IOCP skip-on-success).",
    ),
    idleReleases: counter(
      "IdleReleases",
      "idle_releases",
      "Idle connections' receive buffers released " + "(zero-byte reads on IOCP, pages dropped on io_uring).",
    ),
    receiveBufferBytes: rowGauge(
      "ReceiveBufferBytes",
      "receive_buffer_bytes",
      "Receive-buffer memory committed (Windows) or touchable by pending receives (Linux).",
      "bytes",
    ),
    bufferCalls: counter(
      "BufferCalls",
      "buffer_calls",
      "Calls that committed or handed back receive-buffer memory (VirtualAlloc/VirtualFree, madvise).",
    ),
  },
  /** With --udp (all 0 without): RFC 862 over datagrams, see udp-echo.ts and udp-policy.ts. */
  udp: {
    received: counter("UdpReceived", "udp_datagrams_received", "UDP datagrams received."),
    echoed: counter("UdpEchoed", "udp_datagrams_echoed", "UDP datagrams echoed to their source."),
    truncated: counter(
      "UdpTruncated",
      "udp_datagrams_truncated",
      "UDP datagrams larger than the receive buffer, not echoed.",
    ),
    dropped: {
      reflectionPort: counter(
        "UdpDroppedReflectionPort",
        "udp_dropped_reflection_port",
        "UDP datagrams dropped for their source port (0, 7, 13, 17 or 19).",
      ),
      ownPort: counter(
        "UdpDroppedOwnPort",
        "udp_dropped_own_port",
        "UDP datagrams dropped for coming from the server's own port.",
      ),
      rate: counter("UdpDroppedRate", "udp_dropped_rate", "UDP datagrams dropped over --udp-rate for their source."),
    },
    bytes: {
      received: counter("UdpBytesReceived", "udp_bytes_received", "UDP payload bytes received.", "bytes"),
      sent: counter("UdpBytesSent", "udp_bytes_sent", "UDP payload bytes echoed.", "bytes"),
    },
    peerGone: counter(
      "UdpPeerGone",
      "udp_peer_gone",
      "UDP receives or echoes failed by an ICMP error about a peer (port or host unreachable); receiving went on.",
    ),
    errors: counter("UdpErrors", "udp_errors", "Other failed UDP operations; receiving went on."),
    operations: counter(
      "UdpOperations",
      "udp_operations",
      "UDP receives and sends issued (WSARecvFrom and WSASendTo calls; RECVMSG arms and SENDMSG entries).",
    ),
  },
} as const satisfies StatTree;

/** Row cells that are per worker only (read by /threads), not summed into /stats. */
const THREAD_FIELDS = ["ThreadId", "LastActivity"] as const;

type Leaf<T> = T extends StatDecl ? T : { [K in keyof T]: Leaf<T[K]> }[keyof T];
type FieldName = Extract<Leaf<typeof STATS>, { kind: "row" }>["field"] | (typeof THREAD_FIELDS)[number];

/** The /stats JSON, typed from STATS. */
export type Snapshot<T> = {
  -readonly [K in keyof T]: T[K] extends LabelStat ? string : T[K] extends StatDecl ? number : Snapshot<T[K]>;
};
/**
 * /stats: the declared values, then what the echo port serves: ["tcp"], or
 * ["tcp", "udp"] with --udp (the ready line says the same).
 */
export type StatsSnapshot = Snapshot<typeof STATS> & { protocols: string[] };

/** One declared value and where it sits in /stats. */
export interface StatEntry {
  path: readonly string[];
  decl: StatDecl;
}

function isDecl(node: StatDecl | StatTree): node is StatDecl {
  return typeof (node as { kind?: unknown }).kind === "string";
}

function flatten(tree: StatTree, prefix: readonly string[] = []): StatEntry[] {
  return Object.entries(tree).flatMap(([key, node]) =>
    isDecl(node) ? [{ path: [...prefix, key], decl: node }] : flatten(node, [...prefix, key]),
  );
}

/** Every declared value, in /stats order. */
export const STAT_LIST: readonly StatEntry[] = flatten(STATS);

const ROW_FIELDS: readonly string[] = [
  ...THREAD_FIELDS,
  ...STAT_LIST.flatMap(({ decl }) => (decl.kind === "row" ? [decl.field] : [])),
];

/** Index of each cell in a worker's counter row. */
export const Field = Object.fromEntries(ROW_FIELDS.map((name, i) => [name, i])) as Readonly<Record<FieldName, number>>;
export const FIELD_COUNT = ROW_FIELDS.length;

/**
 * Maps the declaration tree: `leaf` for every value, `node` for every object
 * of /stats. For a zod schema of /stats:
 *   mapStats((d) => (d.kind === "label" ? z.string() : z.number()).describe(d.help), z.object)
 */
export function mapStats<R>(
  leaf: (decl: StatDecl, path: readonly string[]) => R,
  node: (fields: Record<string, R>) => R,
  tree: StatTree = STATS,
  prefix: readonly string[] = [],
): R {
  const fields: Record<string, R> = {};
  for (const [key, child] of Object.entries(tree)) {
    const path = [...prefix, key];
    fields[key] = isDecl(child) ? leaf(child, path) : mapStats(leaf, node, child, path);
  }
  return node(fields);
}

/** The /stats JSON from the summed rows and the process's values. */
export function buildSnapshot(p: ProcessValues, backend: string, protocols: string[] = ["tcp"]): StatsSnapshot {
  const value = (d: StatDecl) => (d.kind === "label" ? backend : d.kind === "row" ? p.sum(d.field) : d.value(p));
  return { ...(mapStats<unknown>(value, (fields) => fields) as Snapshot<typeof STATS>), protocols };
}

/** The value at `path` of a /stats snapshot. */
export function valueAt(snapshot: StatsSnapshot, path: readonly string[]): unknown {
  let v: unknown = snapshot;
  for (const key of path) v = (v as Record<string, unknown>)[key];
  return v;
}
