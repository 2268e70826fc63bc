#!/usr/bin/env bash
# Takes docs/screenshots/*.png from real windows under Xvfb: the sign-in dialog, the contact
# list with every status, and a conversation, in the system's light look and the app's dark
# theme. Starts its own server and demo peers, signs in by
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

# One pass of the client: sign in by typing, the contact list, bob's conversation. $1: the profile,
# $2: the suffix of the files ("" or "-dark").
shoot() {
    local profile=$1 suffix=$2
    ./build/client/presently --profile "$profile" --server ws://127.0.0.1:$port --user alice >"$work/client$suffix.log" 2>&1 &
    local client=$!
    pids+=($client)
    local dialog main
    dialog=$(xdotool search --sync --name "Sign in to Presently" | head -n 1)
    sleep 0.5
    import -window "$dialog" "docs/screenshots/sign-in$suffix.png"
    xdotool type --window "$dialog" --delay 20 "correct horse"
    xdotool key --window "$dialog" Return
    main=$(xdotool search --sync --onlyvisible --name "^Presently" | head -n 1)
    xdotool windowsize "$main" 900 600
    sleep 1.5
    import -window "$main" "docs/screenshots/contacts$suffix.png"
    # Open the conversation with bob (first row: online contacts sort first).
    xdotool mousemove --window "$main" 120 95 click 1
    sleep 1.5
    import -window "$main" "docs/screenshots/conversation$suffix.png"
    kill "$client"
    wait "$client" 2>/dev/null || true
}

shoot screenshots ""
# The same in the app's dark theme (Settings → Theme → Dark).
mkdir -p "$work/config/Presently"
printf '[General]\ntheme=2\n' >"$work/config/Presently/presently-screenshots-dark.ini"
shoot screenshots-dark -dark
echo "screenshots written to docs/screenshots/"
