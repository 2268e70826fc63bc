#!/usr/bin/env bash
# Quick mode of scenarios 2, 4 and 6 (well under a minute), for CI: checks that every number is
# produced, not its value.
set -euo pipefail
here=$(dirname "$0")
export RESULTS=${RESULTS:-$(mktemp -d)}
bash "$here/steady.sh" 20 2 500 3
bash "$here/propagation.sh" 20 1 500 3
bash "$here/flapping.sh" 20 1 500 3
python3 - "$RESULTS" <<'PY'
import json, sys
need = {
    "steady": ["heartbeat_ack_p50_ms", "heartbeat_ack_p99_ms", "gateway_cpu_percent_per_1000_sessions",
               "redis_commands_per_heartbeat", "redis_usec_per_heartbeat", "tool_cpu_percent_of_core"],
    "propagation": ["propagation_p50_ms", "propagation_p99_ms", "propagation_max_ms", "deliveries"],
    "flapping": ["reconnects", "false_offline_events"],
}
missing = []
for scenario, keys in need.items():
    r = json.load(open(f"{sys.argv[1]}/{scenario}.json"))
    if "error" in r:
        missing.append(f"{scenario}: {r['error']}")
    for k in keys:
        if k not in r or (isinstance(r[k], (int, float)) and r[k] < 0):
            missing.append(f"{scenario}: {k}")
if missing:
    sys.exit("benchmark smoke: missing " + ", ".join(missing))
print("benchmark smoke: every number produced")
PY
