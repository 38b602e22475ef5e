/**
 * The bench's own network namespace: its loopback, and TCP sockets that
 * start with 4 MiB receive buffers instead of the machine's 128 KiB.
 *
 * Why: Linux grows a socket's receive buffer with what the application
 * copies per round trip, and on loopback it times that round trip with TCP
 * timestamps, which tick once a millisecond. Under the C load client the
 * servers' sockets measured 0.1 ms, under ours 0.7-1.9 ms (the same
 * server, `ss -ti` mid-run, 2026-12-04): so the servers' buffers stayed
 * 2-3x smaller under the C client, and its stream runs fell into a slow
 * state (the client's core full, the server's half idle) in about half
 * the rounds. With every socket starting at 4 MiB both clients stream at
 * the server's speed. A namespace changes the setting for the bench alone,
 * and puts back nothing when the bench ends, however it ends.
 */
import { existsSync, writeFileSync } from "node:fs";

/** net.ipv4.tcp_rmem in the bench's namespace: min, initial, max bytes of a TCP socket's receive buffer. */
export const BENCH_TCP_RMEM = "4096 4194304 33554432";
/** Set in the environment of the bench re-run inside its namespace. */
const INSIDE = "IOCP_BENCH_NETNS";
/** Why the bench runs on the machine's own settings; null in its namespace, or before the choice. */
let ownSettingsBecause: string | null = null;

/**
 * Inside the bench's namespace (a root process that `unshare --net` just
 * started): brings its loopback up and sets BENCH_TCP_RMEM. The probe
 * (probe-agreement.sh) calls it too.
 */
export function setUpBenchNamespace(): void {
  const lo = Bun.spawnSync(["ip", "link", "set", "lo", "up"], { stderr: "pipe" });
  if (!lo.success)
    throw new Error(`bench: ip link set lo up, in the bench's namespace: ${lo.stderr.toString().trim()}`);
  writeFileSync("/proc/sys/net/ipv4/tcp_rmem", BENCH_TCP_RMEM);
}

/**
 * Runs this bench again inside a new network namespace and returns its
 * exit code (2 for a --netns that is neither on nor off); or, inside it,
 * sets the namespace up and returns null; or returns null with a line on
 * stderr saying why the bench runs on the machine's own settings
 * (`--netns off`, not root, or no `unshare`).
 */
export function enterBenchNamespace(mode: string): number | null {
  if (mode !== "on" && mode !== "off") {
    console.error(`bench: --netns is on or off, not ${mode}`);
    return 2;
  }
  if (process.env[INSIDE] === "1") {
    setUpBenchNamespace();
    return null;
  }
  ownSettingsBecause =
    mode === "off"
      ? "--netns off"
      : process.getuid?.() !== 0
        ? "not root"
        : !existsSync("/usr/bin/unshare")
          ? "no /usr/bin/unshare"
          : null;
  if (ownSettingsBecause !== null) {
    console.error(`bench: ${ownSettingsBecause}: TCP runs on this machine's own receive buffers (see bench/README.md)`);
    return null;
  }
  const child = Bun.spawnSync(["/usr/bin/unshare", "--net", "--", process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, [INSIDE]: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  return child.exitCode ?? 1;
}

/** How the results header describes the network the bench ran on: "ran in ..." or "ran on ...". */
export function benchNetwork(): string {
  return process.env[INSIDE] === "1"
    ? `ran in a network namespace of its own, whose TCP sockets start with\n4 MiB receive buffers (\`net.ipv4.tcp_rmem\` "${BENCH_TCP_RMEM}", bench/netns.ts)`
    : `ran on this machine's own network settings (${ownSettingsBecause ?? "--netns off"})`;
}
