#!/usr/bin/env bash
# Runs CI's command again and again on a fresh clone of main, to find flaky tests.
#
#   deploy/local/soak.sh [N]        (N = 10 by default)
#
# Clones the repository's `main` (SOAK_BRANCH) into a new folder under /tmp, then runs `.ci/run`
# there N times in a row, printing each run's result and time, and a summary line
#   soak: P of N green, slowest run S s (first run, with the full build: F s)
# The first run builds from scratch as CI does; later runs reuse that build unless
# SOAK_FRESH_EACH=1, which clones afresh for every run (about five minutes more each here).
# Each run's output is kept in the clone's folder (`soak-<i>.log`) until the script ends; failed
# runs' logs are copied to SOAK_LOG_DIR (default /tmp/recovery-soak-logs). Exits 0 only when
# every run was green.
set -uo pipefail

runs=${1:-10}
branch=${SOAK_BRANCH:-main}
fresh_each=${SOAK_FRESH_EACH:-0}
log_dir=${SOAK_LOG_DIR:-/tmp/recovery-soak-logs}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

case "$runs" in
    '' | *[!0-9]*) echo "usage: deploy/local/soak.sh [N]" >&2; exit 64 ;;
esac

work=$(mktemp -d /tmp/recovery-soak.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$log_dir"

clone() {
    rm -rf "$work/clone"
    git clone --quiet --branch "$branch" "$root" "$work/clone"
}

green=0
slowest=0
first=0
for i in $(seq 1 "$runs"); do
    if [ "$i" -eq 1 ] || [ "$fresh_each" = 1 ]; then
        clone || { echo "soak: git clone of $branch failed" >&2; exit 1; }
    fi
    started=$SECONDS
    (cd "$work/clone" && bash .ci/run) >"$work/soak-$i.log" 2>&1
    rc=$?
    took=$((SECONDS - started))
    [ "$i" -eq 1 ] && first=$took
    [ "$took" -gt "$slowest" ] && slowest=$took
    summary=$(grep -E '^. Test run with' "$work/soak-$i.log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        green=$((green + 1))
        echo "soak: run $i/$runs green in ${took}s: $summary"
    else
        cp "$work/soak-$i.log" "$log_dir/soak-$i.log"
        echo "soak: run $i/$runs FAILED (exit $rc) in ${took}s: $summary (log $log_dir/soak-$i.log)"
        grep -E '^. Test .* (recorded an issue|failed)' "$work/soak-$i.log" | head -n 10 | sed 's/^/soak:     /'
    fi
done
echo "soak: $green of $runs green, slowest run ${slowest}s (first run, with the full build: ${first}s)"
[ "$green" -eq "$runs" ]
