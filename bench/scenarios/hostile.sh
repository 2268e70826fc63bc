#!/usr/bin/env bash
# Hostile connections during steady state: N sessions on one gateway (on Redis) heartbeating,
# while ATTACKERS connections (bench/tools/hostile.py: ping floods, endless fragments, 60 KiB
# frames, idle sockets, and with TLS=1 also back-to-back TLS handshakes) hit the same gateway for
# the whole run. Reports the honest sessions' heartbeat_ack round trips and the gateway's CPU and
# RSS (as steady.sh does), and how quickly each attack was closed.
# Usage: [TLS=1] hostile.sh [USERS 1000] [SESSIONS_PER_USER 19] [HEARTBEAT_MS 10000] [SECONDS 30] [ATTACKERS 50]
source "$(dirname "$0")/common.sh"
users=${1:-1000}; per_user=${2:-19}; heartbeat=${3:-10000}; seconds=${4:-30}; attackers=${5:-50}
build_tools
start_fleet 1 "$heartbeat"
name=hostile$([ "${TLS:-0}" = 1 ] && echo -tls || true)
# The attack lasts as long as the whole load run (sign-in and the measured window): it is ended
# by PID when the run is over. The attackers stand in for other machines: they run at idle
# priority (SCHED_IDLE), so they take the core the gateway does not use but never delay the
# load tool, whose wss:// round trips are stamped by the tool itself (no kernel stamps through
# TLS).
tls_flag=$([ "${TLS:-0}" = 1 ] && echo --tls || true)
chrt --idle 0 python3 "$root/bench/tools/hostile.py" 127.0.0.1 "$GW_PORT" "$attackers" 100000 $tls_flag \
    >"$work/attackers.log" 2>&1 &
attack_pid=$!
pids+=("$attack_pid")
run_load "$name" 1 --scenario steady --users "$users" --sessions-per-user "$per_user" \
    --heartbeat-ms "$heartbeat" --duration-s "$seconds" --prefix "host$RANDOM"
kill -TERM "$attack_pid" 2>/dev/null || true
wait "$attack_pid" || true
echo "attackers:" | tee -a "$results/$name.txt"
tee -a "$results/$name.txt" <"$work/attackers.log"
