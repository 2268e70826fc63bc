# Shared by the scenario scripts: build, start Redis and gateways on loopback, end them by PID.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PRESENTLY_BUILD:-$root/build}
results=${RESULTS:-$root/bench/results}
mkdir -p "$results"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    # The gateways' logs outlive the run, next to the results (the loop probe prints there).
    for log in "$work"/gw-*.log; do
        if [ -f "$log" ]; then cp "$log" "$results/" || true; fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

build_tools() {
    if [ ! -f "$build/CMakeCache.txt" ]; then
        bash "$root/scripts/install-deps.sh"
        cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPRESENTLY_BUILD_TESTS=OFF >/dev/null
    fi
    cmake --build "$build" --parallel "$(nproc)" --target presently-server presently-load presently-slow-fsync >/dev/null
}

free_port() { echo $((20000 + RANDOM % 10000)); }

# TLS=1: every gateway serves wss:// (a self-signed P-256 certificate made here) and the load
# tool speaks TLS to it.
tls_gateway_args=()
tls_load_args=()
if [ "${TLS:-0}" = 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls.key" \
        -out "$work/tls.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    tls_gateway_args=(--tls-cert "$work/tls.pem" --tls-key "$work/tls.key")
    tls_load_args=(--tls)
fi

# start_redis: sets REDIS_PORT
start_redis() {
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
    pids+=($!)
    until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
}

# start_postgres: a PostgreSQL server of its own on a free loopback port, with fsync and
# synchronous commit as shipped (durable before `sent`, as SQLite is); sets DB_URL. As root,
# initdb and the server run as the unprivileged `postgres` user (initdb refuses root).
start_postgres() {
    local bin as=() port
    bin=$(dirname "$(command -v postgres || ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)")
    port=$(free_port)
    mkdir -p "$work/pg"
    echo presently >"$work/pg/password"
    if [ "$(id -u)" -eq 0 ]; then
        chmod 711 "$work"
        chown -R postgres: "$work/pg"
        as=(setpriv --reuid=postgres --regid=postgres --clear-groups)
    fi
    "${as[@]}" "$bin/initdb" -D "$work/pg/data" -U presently --pwfile="$work/pg/password" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C >"$work/pg.log" 2>&1
    "${as[@]}" "$bin/postgres" -D "$work/pg/data" -p "$port" -c listen_addresses=127.0.0.1 \
        -c unix_socket_directories= >>"$work/pg.log" 2>&1 &
    pids+=($!)
    local psql=(env PGPASSWORD=presently psql -h 127.0.0.1 -p "$port" -U presently -d postgres -qAt)
    for _ in $(seq 300); do "${psql[@]}" -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
    "${psql[@]}" -c 'CREATE DATABASE presently' >/dev/null
    DB_URL=postgresql://presently:presently@127.0.0.1:$port/presently
}

# start_gateway NAME [flags...]: sets GW_PORT and GW_PID
start_gateway() {
    local name=$1; shift
    GW_PORT=$(free_port)
    # GATEWAY_WRAPPER: a command to run each gateway under (chrt, valgrind, heaptrack).
    # GATEWAY_TUNABLES: glibc tunables for the gateway; by default those the packaged service sets
    # (huge pages for the heap, see docs/benchmarks.md); empty for none.
    # GATEWAY_PRELOAD: a library to preload (the slow-fsync shim); PRESENTLY_SERVER: another build
    # of the gateway (an older commit, for a before/after table).
    # Scenarios put hundreds of sessions on one user (tabs): no per-user cap here (an environment
    # variable, so an older build given as PRESENTLY_SERVER ignores it).
    # Likewise every user is registered from a handful of loopback addresses.
    PRESENTLY_MAX_SESSIONS_PER_USER=0 PRESENTLY_REGISTRATIONS_PER_ADDRESS_PER_HOUR=0 PRESENTLY_PASSWORD_CHECKS_PER_ADDRESS=0 \
    PRESENTLY_DAILY_MESSAGES_PER_USER=0 \
    LD_PRELOAD="${GATEWAY_PRELOAD:-}" GLIBC_TUNABLES="${GATEWAY_TUNABLES-glibc.malloc.hugetlb=1}" \
        ${GATEWAY_WRAPPER:-} "${PRESENTLY_SERVER:-$build/server/presently-server}" --listen 127.0.0.1:"$GW_PORT" --db "${DB_URL:-sqlite:$work/db.sqlite}" --server-id "$name" \
        "${tls_gateway_args[@]}" "$@" >"$work/$name.log" 2>&1 &
    GW_PID=$!
    pids+=("$GW_PID")
    for _ in $(seq 200); do grep -q "listening on" "$work/$name.log" && return 0; sleep 0.05; done
    cat "$work/$name.log"; return 1
}

# seed_presence COUNT: COUNT presence entries of live sessions on another gateway, in the
# gateways' own key layout (session hash, user's session set and view, last-frame index), with
# last frames far ahead so none of them expires during the run: the sweep has to skip them all.
seed_presence() {
    local count=$1 batch=50000 first=0
    local script="
local first, n, lf = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i = first, first + n - 1 do
  local sid, user = 'seed-' .. i, 'seed-u-' .. i
  redis.call('HSET', 'pr:s:' .. sid, 'u', user, 'd', 'desktop', 'a', 'active', 'g', 'seed-gw')
  redis.call('SADD', 'pr:us:' .. user, sid)
  redis.call('ZADD', 'pr:lf', lf, sid)
  redis.call('HSET', 'pr:v:' .. user, 's', 'online', 't', '', 'si', lf, 'ls', lf, 'd', '[\"desktop\"]', 'v', '1')
end
return n"
    local far=$(( ($(date +%s) + 86400) * 1000 ))
    while [ "$first" -lt "$count" ]; do
        local n=$(( count - first < batch ? count - first : batch ))
        redis-cli -p "$REDIS_PORT" EVAL "$script" 0 "$first" "$n" "$far" >/dev/null
        first=$(( first + n ))
    done
    echo "seeded $(redis-cli -p "$REDIS_PORT" ZCARD pr:lf) presence entries ($(redis-cli -p "$REDIS_PORT" INFO memory | grep -m1 used_memory_human | tr -d '\r'))" >&2
}

# start_fleet COUNT HEARTBEAT_MS [SEED]: COUNT gateways on one fresh Redis (TTL three
# heartbeats) holding SEED other presence entries; sets fleet_args, the load tool's
# --gateway/--gateway-pid/--redis-port arguments for them.
start_fleet() {
    local count=$1 heartbeat=$2 seed=${3:-0}
    # DB=postgresql: the gateways share a PostgreSQL server instead of one SQLite file.
    if [ "${DB:-sqlite}" = postgresql ]; then start_postgres; fi
    start_redis
    [ "$seed" -gt 0 ] && seed_presence "$seed"
    fleet_args=(--redis-port "$REDIS_PORT")
    for i in $(seq "$count"); do
        start_gateway "gw-$i" --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" \
            --presence-ttl-ms $((heartbeat * 3))
        fleet_args+=(--gateway 127.0.0.1:"$GW_PORT" --gateway-pid "$GW_PID")
    done
}

# run_load NAME PROCESSES [presently-load args...]: one run of PROCESSES load processes (each
# may hold 20,000 sockets here) against the fleet; shard 0 merges everyone's samples into
# $results/NAME.json, then the summary goes next to it. The load processes run at nice
# $LOAD_NICE (19): they stand in for other machines, so on a 2-core box they should not take a
# core the gateway is waiting for (arrivals are stamped by the kernel, so their own delays do
# not count).
run_load() {
    local name=$1 processes=$2; shift 2
    local sync="$work/sync-$name" load_pids=() failed=0
    mkdir -p "$sync"
    for k in $(seq 0 $((processes - 1))); do
        nice -n "${LOAD_NICE:-19}" "$build/bench/presently-load" "$@" "${fleet_args[@]}" "${tls_load_args[@]}" --shard "$k/$processes" --sync-dir "$sync" \
            --output "$results/$name.json" >"$work/load-$name-$k.log" 2>&1 &
        load_pids+=($!)
        pids+=($!)
    done
    for pid in "${load_pids[@]}"; do wait "$pid" || failed=1; done
    if [ "$failed" -ne 0 ]; then
        tail -n 30 "$work"/load-"$name"-*.log "$work"/gw-*.log >&2
        return 1
    fi
    summary "$results/$name.json" | tee "$results/$name.txt"
}

# summary FILE.json: the readable lines next to the JSON
summary() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['scenario']}: {r.get('sessions')} sessions on {r.get('gateways')} gateway(s), window {r.get('window_s')} s")
def show(v):
    return round(v, 3) if isinstance(v, float) else v
for k in sorted(r):
    if k not in ("scenario", "sessions", "gateways", "window_s", "steps"):
        print(f"  {k}: {show(r[k])}")
for i, step in enumerate(r.get("steps", [])):
    print(f"  step {i + 1}: " + ", ".join(f"{k} {show(v)}" for k, v in sorted(step.items())))
PY
}
