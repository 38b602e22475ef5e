/**
 * serve under systemd (Type=notify): when NOTIFY_SOCKET is set, READY=1
 * once the ports listen, STATUS= with connection counts, STOPPING=1 when the
 * graceful stop begins. Without NOTIFY_SOCKET, or off Linux, nothing.
 */
import type { Logger } from "../log.ts";
import { NOTIFY_SOCKET_VARIABLE, SystemdNotifier } from "./sd-notify.ts";
import type { EchoServer, ReadyLine } from "../server.ts";

export async function notifySystemd(
  server: EchoServer,
  ready: ReadyLine,
  log: Logger,
  env: Record<string, string | undefined>,
): Promise<void> {
  const socket = env[NOTIFY_SOCKET_VARIABLE];
  if (socket === undefined || socket === "" || process.platform !== "linux") return;
  const { sendDatagram } = await import("../ffi/linux/notify-socket.ts");
  const notifier = new SystemdNotifier(
    (message) => sendDatagram(socket, message),
    (message) => log.warn(message),
  );
  const counts = () => server.stats().connections;
  server.onShutdown((reason) => notifier.stopping(reason, counts()));
  notifier.ready(ready, counts);
}
