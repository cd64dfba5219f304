#!/usr/bin/env bash
# Measures reads from a hot standby (DATABASE_READ_URL) against reads from the primary, in one run:
#
#   Benchmarks/standby.sh            (PEOPLE=250000 WRK_SECONDS=15 by default)
#
# Setup (not measured): a throwaway primary with durable settings (fsync, synchronous_commit and
# full_page_writes on), the registry's release build, PEOPLE generated people imported (the
# registry benchmark's generator), the steady state; then a hot standby of it on the same machine
# (cluster_standby: pg_basebackup, streaming replication) and two registries over the same
# primary: A reads everything from the primary, B has DATABASE_READ_URL pointing at the standby.
# Then, each for WRK_SECONDS:
#  1. searches by name without diacritics (wrk -c8, Benchmarks/standby/search.lua) on A, then on
#     B: requests/s, p50, p99, and the CPU seconds each cluster's processes spent;
#  2. the same searches together with registrations (wrk -c16, Benchmarks/registry/create.lua,
#     on A), first with the searches on A, then on B: both rates, and the standby's replay lag
#     (pg_stat_replication on the primary, sampled every 0.2 s by Benchmarks/standby/lag.sh while
#     the registrations run): median and largest, in seconds and bytes;
# and the registries' resident memory (B idle once ready, both at their peaks).
# Both clusters share the machine's cores: the figures show where the reads' work goes and what
# the standby's lag is under a write load, not the gain of a second machine. See BENCHMARKS.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"
# shellcheck source=Benchmarks/service_bench.sh
source "$root/Benchmarks/service_bench.sh"

people=${PEOPLE:-250000}
wrk_seconds=${WRK_SECONDS:-15}
log() { printf '[standby-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_install_tool wrk
cluster_find_bin
log "swift build -c release --product registry"
swift build -c release --product registry >&2
bin="$(swift build -c release --show-bin-path)"

bench_cluster recovery-standbybench-pg
standby_dir="$dir/standby"
pids=()
stop_all() {
    local rc=$?
    set +e
    if [ "$rc" -ne 0 ]; then
        for file in "$dir"/*.log "$standby_dir/postgres.log"; do
            [ -f "$file" ] && { echo "--- $file" >&2; tail -n 20 "$file" >&2; }
        done
    fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    cluster_stop "$standby_dir" >/dev/null 2>&1
    (exit $rc)
    cluster_cleanup_throwaway
}
trap stop_all EXIT
export LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1

primary_port=$(cluster_free_port)
bench_serve registry "$primary_port"
pids+=("$bench_pid")
log "importing $people people"
bench_import_people "http://127.0.0.1:$primary_port" "$people"
cluster_psql "$port" bench --quiet --command="VACUUM ANALYZE" >/dev/null
bench_steady

log "making the standby (pg_basebackup)"
standby_port=$(cluster_free_port)
cluster_standby "$port" "$standby_dir" "$standby_port"
standby_http=$(cluster_free_port)
# The second registry: bench_serve's own, with the standby for its reads.
DATABASE_READ_URL="postgresql://registry@127.0.0.1:$standby_port/bench" bench_serve registry "$standby_http"
pids+=("$bench_pid")
sleep 2
rss_idle=$(bench_rss "${pids[1]}")

python3 - "$dir/people.csv" "$dir/queries.txt" <<'EOF'
import csv, random, sys, unicodedata
from urllib.parse import quote
def fold(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").lower()
names = [row["full_name"] for row in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
rng = random.Random(7)
open(sys.argv[2], "w").write("\n".join(quote(fold(rng.choice(names))) for _ in range(5000)) + "\n")
EOF

# CPU seconds (user + system) of every process of the cluster in $1 so far.
searches() {
    TOKEN=$token QUERIES_FILE="$dir/queries.txt" wrk -t2 -c8 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/standby/search.lua" "http://127.0.0.1:$1"
}
creates() {
    TOKEN=$token wrk -t2 -c16 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/registry/create.lua" "http://127.0.0.1:$primary_port"
}
rps() { awk '/^Requests\/sec/ { printf "%.0f", $2 }'; }
pct() { awk -v p="$1" '$1 == p { print $2 }'; }
errors() { grep -c 'Non-2xx\|Socket errors' || true; }
# One line of figures from wrk's output in $1.
figures() { echo "$(echo "$1" | rps) req/s, p50 $(echo "$1" | pct 50%), p99 $(echo "$1" | pct 99%), errors $(echo "$1" | errors)"; }

# Searches alone: where their database work goes.
declare -A alone cpu_primary cpu_standby
for target in primary standby; do
    http=$primary_port
    [ "$target" = standby ] && http=$standby_http
    log "searches alone, reading from the $target, ${wrk_seconds}s"
    before_primary=$(bench_cluster_cpu "$dir")
    before_standby=$(bench_cluster_cpu "$standby_dir")
    alone[$target]=$(searches "$http")
    cpu_primary[$target]=$(awk -v a="$before_primary" -v b="$(bench_cluster_cpu "$dir")" 'BEGIN { printf "%.1f", b - a }')
    cpu_standby[$target]=$(awk -v a="$before_standby" -v b="$(bench_cluster_cpu "$standby_dir")" 'BEGIN { printf "%.1f", b - a }')
done

# Searches with registrations on the primary; the standby's lag sampled meanwhile.
declare -A mixed_search mixed_create lag
for target in primary standby; do
    http=$primary_port
    [ "$target" = standby ] && http=$standby_http
    log "searches reading from the $target with registrations, ${wrk_seconds}s"
    PG_BIN=$PG_BIN "$root/Benchmarks/standby/lag.sh" "$port" >"$dir/lag-$target.txt" &
    sampler=$!
    creates >"$dir/create-$target.txt" &
    writer=$!
    mixed_search[$target]=$(searches "$http")
    wait "$writer"
    kill "$sampler" 2>/dev/null
    wait "$sampler" 2>/dev/null || true
    mixed_create[$target]=$(cat "$dir/create-$target.txt")
    lag[$target]=$(awk 'END { print NR }' "$dir/lag-$target.txt")
    if [ "${lag[$target]}" -gt 0 ]; then
        seconds=$(sort -n -k1,1 "$dir/lag-$target.txt" | awk '{ v[NR] = $1 } END { printf "median %.3f s, largest %.3f s", v[int((NR + 1) / 2)], v[NR] }')
        bytes=$(sort -n -k2,2 "$dir/lag-$target.txt" | awk '{ v[NR] = $2 } END { printf "median %d bytes, largest %d bytes", v[int((NR + 1) / 2)], v[NR] }')
        lag[$target]="$seconds; $bytes (${lag[$target]} samples)"
    else
        lag[$target]="no samples"
    fi
done

echo
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync on, synchronous_commit on; registry release build; $(nproc) cores; primary and standby on this machine"
echo "machine yardstick: pgbench -M prepared -S -c 1 -T 10 on the primary: $yardstick tps"
echo "data: $people people imported"
for target in primary standby; do
    echo "searches alone (wrk -t2 -c8 -d${wrk_seconds}s, Benchmarks/standby/search.lua), reading from the $target: $(figures "${alone[$target]}"); CPU: primary $(printf '%s' "${cpu_primary[$target]}") s, standby $(printf '%s' "${cpu_standby[$target]}") s"
done
for target in primary standby; do
    echo "searches reading from the $target with registrations on the primary (wrk -t2 -c16, Benchmarks/registry/create.lua): searches $(figures "${mixed_search[$target]}"); registrations $(figures "${mixed_create[$target]}")"
    echo "    the standby's replay lag meanwhile (Benchmarks/standby/lag.sh): ${lag[$target]}"
done
echo "registry B's resident memory (reads from the standby): $rss_idle MiB idle once ready, $(bench_rss "${pids[1]}" VmHWM) MiB at its peak over the runs   (targets: <= 64 MiB idle, <= 256 MiB under load)"
echo "registry A's peak resident memory (it took the import of $people people, then every registration): $(bench_rss "${pids[0]}" VmHWM) MiB"
