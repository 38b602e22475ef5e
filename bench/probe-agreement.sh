#!/usr/bin/env bash
# Why do the two load clients disagree? One server process, the clients run
# one after the other against it (in the order given, every round), and for
# each run: the client's messages/s, the client's and the server's CPU per
# message and how busy each core was over the middle 2 s of a 4 s measured
# run, and the TCP segments sent per echo and delayed-ACK timers fired per
# echo over the same 2 s (nstat, from iproute2; the whole namespace, so run
# it in one of its own). An echo is 2 segments when every ACK rides on the
# next message; more means pure ACKs (see bench/RESULTS.md, "At 10,000
# connections the round trip outlasts the delayed ACK"). A client is `c`
# (load-uring), `ours` (dist/iocp-echo bench) or `ours=PATH` (another build
# of it: before/after in one run). With --quota-pct the server gets that
# share of its core (a cpu cgroup), so the server is the limit and neither
# client's core is full: clients that load the server alike then measure
# alike. Results of 2026-12-02: bench/RESULTS.md, "Why the clients still
# differ in ping-pong".
#
#   bash bench/probe-agreement.sh [--server c|ours] [--conns 1000] [--rounds 5]
#                                 [--mode pingpong|stream] [--size 64]
#                                 [--quota-pct 0] [--clients "c ours ours=/tmp/old/iocp-echo"]
#                                 [--netns on|off]
#
# Needs gcc and liburing-dev (as `bun run bench`); --quota-pct needs root and
# a cpu cgroup (v1 /sys/fs/cgroup/cpu, or v2 with the cpu controller).
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER=c CONNS=1000 ROUNDS=5 MODE=pingpong SIZE=64 QUOTA=0 CLIENTS="c ours" PORT=7311 NETNS=on
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --server) SERVER=$2 ;;
    --conns) CONNS=$2 ;;
    --rounds) ROUNDS=$2 ;;
    --mode) MODE=$2 ;;
    --size) SIZE=$2 ;;
    --quota-pct) QUOTA=$2 ;;
    --clients) CLIENTS=$2 ;;
    --netns) NETNS=$2 ;;
    *) echo "probe-agreement: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
case "$SERVER" in c | ours) ;; *) echo "probe-agreement: --server is c or ours, not $SERVER" >&2; exit 2 ;; esac
case "$MODE" in pingpong | stream) ;; *) echo "probe-agreement: --mode is pingpong or stream, not $MODE" >&2; exit 2 ;; esac
for n in "--conns $CONNS" "--rounds $ROUNDS" "--size $SIZE"; do
  [[ "${n#* }" =~ ^[1-9][0-9]*$ ]] || { echo "probe-agreement: ${n% *} is a positive whole number, not ${n#* }" >&2; exit 2; }
done
[[ "$QUOTA" =~ ^[0-9]+$ ]] && [ "$QUOTA" -le 100 ] || { echo "probe-agreement: --quota-pct is 0..100, not $QUOTA" >&2; exit 2; }
case "$NETNS" in on | off) ;; *) echo "probe-agreement: --netns is on or off, not $NETNS" >&2; exit 2 ;; esac

if [ "${IOCP_BENCH_NETNS:-}" = 1 ]; then
  bun -e 'import { setUpBenchNamespace } from "./bench/netns.ts"; setUpBenchNamespace()'
elif [ "$NETNS" = on ] && [ "$(id -u)" = 0 ] && [ -x /usr/bin/unshare ]; then
  IOCP_BENCH_NETNS=1 exec /usr/bin/unshare --net -- bash "$PWD/bench/probe-agreement.sh" "${ARGS[@]}"
fi

OUT=bench/out
mkdir -p "$OUT"
for p in load-uring echo-uring; do
  [ -x "$OUT/$p" ] || gcc -O2 -Wall -o "$OUT/$p" "bench/c/$p.c" -luring
done
[ -x dist/iocp-echo ] || bun build/compile.ts linux

GROUP=""
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$GROUP" ] && { sleep 0.2; rmdir "$GROUP" 2>/dev/null || true; }
}
trap cleanup EXIT

if [ "$SERVER" = c ]; then
  taskset -c 1 "$OUT/echo-uring" "$PORT" &
else
  taskset -c 1 dist/iocp-echo --port "$PORT" --host 127.0.0.1 --workers 1 --admin-port 0 >/dev/null 2>&1 &
fi
SERVER_PID=$!
sleep 0.5

if [ "$QUOTA" -gt 0 ]; then
  # 10 ms periods, so a throttled server pauses at most 10 ms at a time.
  if [ -d /sys/fs/cgroup/cpu ] && [ -w /sys/fs/cgroup/cpu ]; then
    GROUP=/sys/fs/cgroup/cpu/iocp-probe-$$
    mkdir "$GROUP"
    echo 10000 >"$GROUP/cpu.cfs_period_us"
    echo $((QUOTA * 100)) >"$GROUP/cpu.cfs_quota_us"
    for t in /proc/"$SERVER_PID"/task/*; do echo "${t##*/}" >"$GROUP/tasks"; done
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    GROUP=/sys/fs/cgroup/iocp-probe-$$
    mkdir "$GROUP"
    echo "$((QUOTA * 100)) 10000" >"$GROUP/cpu.max"
    echo "$SERVER_PID" >"$GROUP/cgroup.procs"
  else
    echo "probe-agreement: --quota-pct needs a writable cpu cgroup (v1 /sys/fs/cgroup/cpu or v2 cpu controller)" >&2
    exit 1
  fi
fi

ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
server_ticks() { ticks_of "$SERVER_PID"; }
# Busy ticks of a core: user nice system irq softirq.
core_ticks() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
ticks_per_s=$(getconf CLK_TCK)
# The namespace's TCP counters: segments sent, delayed-ACK timers fired ("- -" without nstat).
tcp_counters() {
  if command -v nstat >/dev/null; then
    nstat -az TcpOutSegs TcpExtDelayedACKs | awk '$1 == "TcpOutSegs" { s = $2 } $1 == "TcpExtDelayedACKs" { d = $2 } END { print s + 0, d + 0 }'
  else
    echo "- -"
  fi
}

echo "server $SERVER (core 1${GROUP:+, $QUOTA% of it}), clients on core 0, $CONNS connections, $MODE $SIZE B," \
  "TCP receive buffers from $(cut -f2 /proc/sys/net/ipv4/tcp_rmem) B"
for round in $(seq "$ROUNDS"); do
  for client in $CLIENTS; do
    log=$(mktemp) label=$client
    if [ "$client" = c ]; then
      taskset -c 0 "$OUT/load-uring" --port "$PORT" --conns "$CONNS" --size "$SIZE" --mode "$MODE" --seconds 4 --warmup 1 >"$log" 2>&1 &
    else
      binary=dist/iocp-echo
      [[ "$client" == ours=* ]] && binary=${client#ours=} label="ours ($binary)"
      [ -x "$binary" ] || { echo "probe-agreement: $binary is not an executable iocp-echo" >&2; exit 2; }
      taskset -c 0 "$binary" bench --target "127.0.0.1:$PORT" -c "$CONNS" -l "$SIZE" --mode "$MODE" -d 4 --warmup 1 --workers 1 --json >"$log" 2>/dev/null &
    fi
    pid=$!
    sleep 2
    s0=$(server_ticks) k0=$(ticks_of "$pid") c0=$(core_ticks 0) c1=$(core_ticks 1)
    read -r segs0 acks0 < <(tcp_counters)
    sleep 2
    s1=$(server_ticks) k1=$(ticks_of "$pid") c0=$(($(core_ticks 0) - c0)) c1=$(($(core_ticks 1) - c1))
    read -r segs1 acks1 < <(tcp_counters)
    wait "$pid" || true
    if [ "$client" = c ]; then
      rate=$(tail -1 "$log" | bun -e 'const j = JSON.parse(await Bun.stdin.text()); console.log(Math.round(j.msgs / j.seconds))' 2>/dev/null || true)
    else
      rate=$(bun -e 'const j = JSON.parse(await Bun.stdin.text()); console.log(Math.round(j.throughput.messagesPerSec))' <"$log" 2>/dev/null || true)
    fi
    if ! [[ "$rate" =~ ^[0-9]+$ ]] || [ "$rate" -eq 0 ]; then
      echo "probe-agreement: the $client client measured nothing; its output:" >&2
      tail -5 "$log" >&2
      exit 1
    fi
    rm -f "$log"
    per_msg() { bun -e "console.log(((${2} - ${1}) / ${ticks_per_s} * 1e6 / (${rate} * 2)).toFixed(2))"; }
    # Counters over the same 2 s, per echo (the rate is per second).
    per_echo() { [ "$1" = - ] && echo - || bun -e "console.log(((${2} - ${1}) / (${rate} * 2)).toFixed(${3}))"; }
    printf 'round %d  %-5s %7d msg/s  client %5s µs/msg  server %5s µs/msg  cores busy 0: %3d%%  1: %3d%%  segments/echo %4s  delayed ACKs/echo %5s\n' \
      "$round" "$label" "$rate" "$(per_msg "$k0" "$k1")" "$(per_msg "$s0" "$s1")" \
      $((c0 * 100 / ticks_per_s / 2)) $((c1 * 100 / ticks_per_s / 2)) \
      "$(per_echo "$segs0" "$segs1" 2)" "$(per_echo "$acks0" "$acks1" 3)"
  done
done
