/**
 * systemd's notify protocol (sd_notify(3)) as serve speaks it when
 * NOTIFY_SOCKET is set: READY=1 once the echo and admin ports listen,
 * STATUS= with connection counts while running, STOPPING=1 when the drain
 * begins. The datagram transport is injected (src/ffi/linux/notify-socket.ts
 * in the server, a recorder in tests), so this module stays pure.
 */
export const NOTIFY_SOCKET_VARIABLE = "NOTIFY_SOCKET";
/** How often STATUS= is refreshed while running. */
export const STATUS_INTERVAL_MS = 5_000;

/** "1 connection", "3 connections": for status lines an operator reads. */
export const connections = (n: number) => `${n} connection${n === 1 ? "" : "s"}`;

export interface ConnectionCounts {
  active: number;
  accepted: number;
}

export interface ReadyFacts {
  backend: string;
  workers: number;
  echo: { host: string; port: number };
  admin: { host: string; port: number };
  pid: number;
}

export function readyMessage(r: ReadyFacts): string {
  return `READY=1\nMAINPID=${r.pid}\nSTATUS=echo on ${r.echo.host}:${r.echo.port}, admin on ${r.admin.host}:${r.admin.port} (${r.backend}, ${r.workers} workers)`;
}

export function statusMessage(c: ConnectionCounts): string {
  return `STATUS=${connections(c.active)} open, ${c.accepted} accepted`;
}

export function stoppingMessage(reason: string, c: ConnectionCounts): string {
  return `STOPPING=1\nSTATUS=draining ${connections(c.active)} (${reason})`;
}

/**
 * Sends the lifecycle messages when a notify socket is configured. A send
 * that fails is reported once through `warn` and never stops the server.
 */
export class SystemdNotifier {
  private timer: ReturnType<typeof setInterval> | null = null;
  private warned = false;

  constructor(
    private readonly send: (message: string) => void,
    private readonly warn: (message: string) => void,
  ) {}

  ready(facts: ReadyFacts, counts: () => ConnectionCounts): void {
    this.deliver(readyMessage(facts));
    this.timer = setInterval(() => this.deliver(statusMessage(counts())), STATUS_INTERVAL_MS);
    this.timer.unref?.();
  }

  stopping(reason: string, counts: ConnectionCounts): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.deliver(stoppingMessage(reason, counts));
  }

  private deliver(message: string): void {
    try {
      this.send(message);
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.warn(`systemd notify socket: ${(error as Error).message}`);
    }
  }
}
