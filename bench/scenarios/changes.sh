#!/usr/bin/env bash
# Scenario 8, changes (issue 23): two gateways on one Redis sharing one SQLite file; every user's
# contacts sit on both gateways (ring of CONTACTS, so each user is watched by CONTACTS sessions,
# 6 of 10 on the other gateway), and every session heartbeats. Visible changes at 20, 200 and
# 1,000 a second (two thirds set_status, which waits for a commit; one third activity carried by
# a heartbeat), then 200 a second again with 800 messages a second at the same time. Reports per
# step: change-to-watcher p50/p99/max for both kinds, heartbeat ack p99 on each gateway, the
# gateways' CPU, their fsyncs per second, and sessions the gateways closed.
# FSYNC_DELAY_MS (0): every fsync of the gateways takes that much longer in the measured steps
# (bench/tools/slow_fsync.cpp); SETUP_FSYNC_DELAY_MS (the same): during registration and contacts.
# PRESENTLY_SERVER: a gateway binary to measure instead of this build's (before/after tables).
# RATES, MESSAGE_RATES: other steps (changes/s, and messages/s in each step).
# Usage: changes.sh [USERS 2000] [CONTACTS 10] [STEP_S 15]
source "$(dirname "$0")/common.sh"
users=${1:-2000}; contacts=${2:-10}; step_s=${3:-15}
delay=${FSYNC_DELAY_MS:-0}
setup_delay=${SETUP_FSYNC_DELAY_MS:-$delay}
build_tools
mkdir -p "$work/fsyncs"
echo "$setup_delay" >"$work/fsync-delay"
export GATEWAY_PRELOAD="$build/bench/presently-slow-fsync.so"
export PRESENTLY_FSYNC_DELAY_FILE="$work/fsync-delay" PRESENTLY_FSYNC_COUNT_DIR="$work/fsyncs"
start_fleet 2 10000
run_load "changes-fsync${delay}ms${RUN_NAME:+-$RUN_NAME}" 1 --scenario changes --users "$users" \
    --fsync-delay-file "$work/fsync-delay" --fsync-delay-ms "$delay" \
    --contacts "$contacts" --sessions-per-user 1 --idle-share 0 --heartbeat-ms 10000 \
    --rate-steps "${RATES:-20,200,1000,200}" --message-rate-steps "${MESSAGE_RATES:-0,0,0,800}" --step-s "$step_s" \
    --fsync-count-dir "$work/fsyncs" --prefix "chg$RANDOM"
