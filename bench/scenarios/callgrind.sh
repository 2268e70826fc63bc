#!/usr/bin/env bash
# Instructions per heartbeat on one gateway (on Redis), counted by callgrind: deterministic where
# CPU percentages spread ±20 % run to run, so this is the figure to compare versions by.
# SESSIONS sessions heartbeat every HEARTBEAT_MS; callgrind counts for SECONDS once they are all
# connected, and the count is divided by the heartbeats acknowledged in that window (calls of
# ServerMessages::heartbeatAckFrame, which builds every plain ack).
# Users are registered first by a gateway running natively (Argon2id under valgrind would take
# minutes), then the measured gateway signs the sessions in by token.
# Usage: callgrind.sh [SESSIONS 2000] [HEARTBEAT_MS 5000] [SECONDS 20]
source "$(dirname "$0")/common.sh"
sessions=${1:-2000}; heartbeat=${2:-5000}; seconds=${3:-20}
users=20; per_user=$(( sessions / users ))
command -v valgrind >/dev/null || apt-get install -y valgrind >/dev/null
build_tools
start_redis
fleet_args=(--redis-port "$REDIS_PORT")
gateway_flags=(--redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat"
               --presence-ttl-ms $((heartbeat * 3)))

start_gateway gw-register "${gateway_flags[@]}"
"$build/bench/presently-load" --scenario steady --users "$users" --sessions-per-user 1 \
    --heartbeat-ms "$heartbeat" --duration-s 1 --prefix callgrind --tokens-file "$work/tokens" \
    --gateway 127.0.0.1:"$GW_PORT" --output "$work/register.json" >"$work/register.log" 2>&1
kill -TERM "$GW_PID"; wait "$GW_PID" || true

out="$results/callgrind.out"
GATEWAY_WRAPPER="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$out" \
    start_gateway gw-measured "${gateway_flags[@]}"
nice -n "${LOAD_NICE:-19}" "$build/bench/presently-load" --scenario steady --users "$users" \
    --sessions-per-user "$per_user" --heartbeat-ms "$heartbeat" --duration-s $((seconds + 40)) \
    --prefix callgrind --tokens-file "$work/tokens" --gateway 127.0.0.1:"$GW_PORT" \
    --output "$work/load.json" >"$work/load.log" 2>&1 &
load_pid=$!
pids+=("$load_pid")
# Connected: the gateway holds every session's socket (valgrind makes sign-in slow).
for _ in $(seq 600); do
    held=$(ss -Htn state established "( sport = :$GW_PORT )" | wc -l)
    [ "$held" -ge "$sessions" ] && break
    sleep 0.1
done
sleep $(( heartbeat / 1000 + 2 )) # every session past its first heartbeat
callgrind_control -i on "$GW_PID" >/dev/null
sleep "$seconds"
callgrind_control -i off "$GW_PID" >/dev/null
kill -TERM "$load_pid" 2>/dev/null || true
kill -TERM "$GW_PID"; wait "$GW_PID" || true

python3 - "$out" "$held" "$seconds" <<'PY' | tee "$results/callgrind.txt"
import re, sys
path, held, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names, total, acks, callee = {}, 0, 0, None
for line in open(path, errors="replace"):
    if line.startswith(("summary:", "totals:")):
        total = max(total, int(line.split()[1]))
        continue
    m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3)
        if m.group(1) == "cfn":
            callee = names.get(m.group(2), "")
        continue
    if line.startswith("calls=") and callee and "heartbeatAckFrame" in callee:
        acks += int(line[6:].split()[0])
print(f"sessions {held}, window {seconds} s: {total} instructions, {acks} heartbeats acknowledged")
print(f"instructions per heartbeat: {total / max(acks, 1):.0f}")
PY
