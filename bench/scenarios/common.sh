# Shared by the scenario scripts: build, start Redis and gateways on loopback, end them by PID.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PRESENTLY_BUILD:-$root/build}
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
results=${RESULTS:-$root/bench/results}
mkdir -p "$results"

build_tools() {
    if [ ! -f "$build/CMakeCache.txt" ]; then
        bash "$root/scripts/install-deps.sh"
        cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPRESENTLY_BUILD_TESTS=OFF >/dev/null
    fi
    cmake --build "$build" --parallel "$(nproc)" --target presently-server presently-load >/dev/null
}

free_port() { echo $((20000 + RANDOM % 10000)); }

# start_redis: sets REDIS_PORT
start_redis() {
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
    pids+=($!)
    until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
}

# start_gateway NAME [flags...]: sets GW_PORT and GW_PID
start_gateway() {
    local name=$1; shift
    GW_PORT=$(free_port)
    "$build/server/presently-server" --listen 127.0.0.1:"$GW_PORT" --db "sqlite:$work/db.sqlite" --server-id "$name" "$@" \
        >"$work/$name.log" 2>&1 &
    GW_PID=$!
    pids+=("$GW_PID")
    for _ in $(seq 200); do grep -q "listening on" "$work/$name.log" && return 0; sleep 0.05; done
    cat "$work/$name.log"; return 1
}

# start_fleet COUNT HEARTBEAT_MS: COUNT gateways on one fresh Redis (TTL three heartbeats); sets
# fleet_args, the load tool's --gateway/--gateway-pid/--redis-port arguments for them.
start_fleet() {
    local count=$1 heartbeat=$2
    start_redis
    fleet_args=(--redis-port "$REDIS_PORT")
    for i in $(seq "$count"); do
        start_gateway "gw-$i" --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" \
            --presence-ttl-ms $((heartbeat * 3))
        fleet_args+=(--gateway 127.0.0.1:"$GW_PORT" --gateway-pid "$GW_PID")
    done
}

# summary FILE.json: the readable lines next to the JSON
summary() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['scenario']}: {r.get('sessions')} sessions on {r.get('gateways')} gateway(s), window {r.get('window_s')} s")
for k in sorted(r):
    if k not in ("scenario", "sessions", "gateways", "window_s"):
        v = r[k]
        print(f"  {k}: {round(v, 3) if isinstance(v, float) else v}")
PY
}
