#!/usr/bin/env bash
# Takes docs/screenshots/*.png from real windows under Xvfb: the sign-in dialog, the contact
# list with every status, and a conversation. Starts its own server and demo peers, signs in by
# typing like a person (xdotool), and ends every process it started by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
for p in imagemagick xdotool; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel "$(nproc)" --target presently presently-server

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

display=:97
Xvfb $display -screen 0 1100x720x24 -nolisten tcp >/dev/null 2>&1 & pids+=($!)
port=$((20000 + RANDOM % 10000))
./build/server/presently-server --listen 127.0.0.1:$port --db "sqlite:$work/db.sqlite" >"$work/server.log" 2>&1 & pids+=($!)
until grep -q "listening on" "$work/server.log"; do sleep 0.1; done
python3 scripts/demo_peers.py ws://127.0.0.1:$port alice "correct horse" >"$work/peers.log" 2>&1 & pids+=($!)
until grep -q ready "$work/peers.log"; do sleep 0.1; done

export DISPLAY=$display XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data
./build/client/presently --profile screenshots --server ws://127.0.0.1:$port --user alice >"$work/client.log" 2>&1 & pids+=($!)
dialog=$(xdotool search --sync --name "Sign in to Presently" | head -n 1)
sleep 0.5
import -window "$dialog" docs/screenshots/sign-in.png
xdotool type --window "$dialog" --delay 20 "correct horse"
xdotool key --window "$dialog" Return
main=$(xdotool search --sync --onlyvisible --name "^Presently$" | head -n 1)
xdotool windowsize "$main" 900 600
sleep 1.5
import -window "$main" docs/screenshots/contacts.png
# Open the conversation with bob (first row: online contacts sort first).
read -r x y < <(xdotool getwindowgeometry "$main" | awk '/Position/ {split($2, p, ","); print p[1], p[2]}')
xdotool mousemove --window "$main" 120 95 click 1
sleep 1.5
import -window "$main" docs/screenshots/conversation.png
echo "screenshots written to docs/screenshots/"
