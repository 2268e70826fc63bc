#!/usr/bin/env bash
# Checks that every source file includes only its own folder and the layers below it (the same
# layering the CMake link lines state). Prints each wrong include; exits 1 if there is one.
# ARCHITECTURE.md's check (no lower folder includes app/ or session/) is the first rule below.
# Usage: check-layering.sh [REPO_ROOT]
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

# folder: the include prefixes it may use besides its own.
declare -A allowed=(
    [protocol]=""
    [server/base]=""
    [server/metrics]="base"
    [server/net]="metrics base protocol"
    [server/sql]="metrics base"
    [server/redis]="metrics base"
    [server/accounts]="sql base protocol"
    [server/messages]="sql base protocol"
    [server/presence]="redis metrics base protocol"
    [server/events]="redis metrics base protocol"
    [server/storage]="accounts messages sql metrics base protocol"
    [server/session]="net storage accounts messages presence events sql metrics base protocol"
    [server/app]="session net storage sql redis accounts messages presence events metrics base protocol"
    [client/core]="protocol"
    [client/platform]="core protocol"
    [client/ui]="core protocol"
    [client/app]="ui platform core protocol"
)

status=0
for folder in "${!allowed[@]}"; do
    own=${folder##*/}
    ok=" $own ${allowed[$folder]} "
    while IFS= read -r hit; do
        file=${hit%%:*}
        prefix=$(sed -E 's/.*#include "([^/"]+)\/.*/\1/' <<<"$hit")
        if [[ "$ok" != *" $prefix "* ]]; then
            echo "$hit  ($folder may include: $own ${allowed[$folder]})"
            status=1
        fi
    done < <(grep -rnE '#include "[^"/]+/' "$folder" --include='*.h' --include='*.cpp' --include='*.mm' 2>/dev/null)
    # Every project include names its folder.
    while IFS= read -r hit; do
        echo "$hit  (includes name the folder)"
        status=1
    done < <(grep -rnE '#include "[^"/]+"' "$folder" --include='*.h' --include='*.cpp' --include='*.mm' 2>/dev/null |
        grep -v '\.moc"')
done
exit $status
