/**
 * The systemd unit `service install` writes on Linux. Type=notify: serve
 * says READY=1 once the echo and admin ports listen (sd-notify.ts), so
 * `systemctl start` returns when the service can echo. SIGINT is the signal
 * serve drains on; TimeoutStopSec leaves room for the whole drain.
 */
import { stopBudgetMs } from "./service-paths.ts";

export interface UnitSpec {
  name: string;
  binary: string;
  /** Words between the binary and "serve": the entry script when run from source. */
  preArgs: string[];
  configPath: string;
  drainTimeoutMs: number;
}

/** systemd quoting for one ExecStart word: double quotes when it holds spaces or quotes. */
function execWord(word: string): string {
  if (!/[\s"'\\]/.test(word)) return word;
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function unitText(spec: UnitSpec): string {
  const stopSeconds = Math.ceil(stopBudgetMs(spec.drainTimeoutMs) / 1000);
  const exec = [spec.binary, ...spec.preArgs, "serve", "--config", spec.configPath].map(execWord).join(" ");
  return `[Unit]
Description=iocp-echo TCP echo server (${spec.name})
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=main
ExecStart=${exec}
Restart=on-failure
RestartSec=5
KillSignal=SIGINT
TimeoutStopSec=${stopSeconds}
LimitNOFILE=1048576
DynamicUser=yes
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`;
}
