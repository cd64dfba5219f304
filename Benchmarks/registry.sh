#!/usr/bin/env bash
# Measures the registry service over HTTP on a throwaway PostgreSQL cluster with durable settings
# (fsync, synchronous_commit and full_page_writes on), release build, all in one run:
#
#   Benchmarks/registry.sh            (PEOPLE=250000 WRK_SECONDS=15 SEARCHES=500 by default)
#
#  1. import of a generated CSV of PEOPLE people (generate_people.py: realistic names with
#     diacritics, valid CCCDs, every 2025 commune), events, audit entries and history included;
#     then VACUUM ANALYZE, waiting until the audit trail is sealed, and CHECKPOINT;
#  2. search by name without diacritics, one client: p50/p95/p99;
#  3. read by id under wrk, 32 connections: requests/s and latency percentiles;
#  4. create under wrk, 16 connections: people created per second;
# and, first, pgbench's select-only rate at concurrency 1 on the same cluster, printed beside the
# figures as a yardstick of the machine.
# Prints the registry's CPU time during the import; PROFILE=1 also samples it with perf (installed
# from Debian when missing) and prints where that time went.
# Installs wrk from Debian when missing. See BENCHMARKS.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

people=${PEOPLE:-250000}
wrk_seconds=${WRK_SECONDS:-15}
searches=${SEARCHES:-500}
log() { printf '[registry-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_install_tool wrk
cluster_find_bin
log "swift build -c release --product registry"
swift build -c release --product registry >&2
registry="$(swift build -c release --show-bin-path)/registry"

cluster_start_throwaway recovery-regbench-pg
dir=$CLUSTER_DIR
port=$CLUSTER_PORT
cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM SET fsync = on" --command="ALTER SYSTEM SET synchronous_commit = on" \
    --command="ALTER SYSTEM SET full_page_writes = on" --command="SELECT pg_reload_conf()" >/dev/null
cluster_psql "$port" postgres --command="CREATE DATABASE bench" >/dev/null
yardstick=$(cluster_yardstick "$port")
cluster_psql "$port" bench --quiet --file="$root/deploy/sql/setup.sql" >/dev/null 2>&1

http_port=$(cluster_free_port)
base="http://127.0.0.1:$http_port"
export DATABASE_URL="postgresql://registry@127.0.0.1:$port/bench" LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1 PORT=$http_port
password="Kiểm tra tốc độ 2026"
"$registry" migrate >&2
echo "$password" | "$registry" create-admin perf >&2
"$registry" serve >"$dir/registry.log" 2>&1 &
server=$!
trap 'rc=$?; set +e; kill $server 2>/dev/null; wait $server 2>/dev/null; (exit $rc); cluster_cleanup_throwaway' EXIT
for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
    sleep 0.5
done
curl -fsS -o /dev/null "$base/readyz"

py="python3 $root/Benchmarks/registry/http_bench.py"
token=$($py token "$base" perf "$password")
log "generating $people people"
python3 "$root/Benchmarks/registry/generate_people.py" "$people" "$dir/people.csv"
log "importing"
# PROFILE=1: samples the registry's CPU during the import (perf, cpu-clock, call graphs) and
# prints where its time goes, inclusive, after the figures.
if [ "${PROFILE:-0}" = 1 ]; then
    cluster_install_tool perf linux-perf
    perf record -e cpu-clock -F 250 -g -p "$server" -o "$dir/import.perf" >/dev/null 2>&1 &
    profiler=$!
fi
cpu_before=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
rss_before=$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$server/status")
import=$($py import "$base" "$token" "$dir/people.csv")
# The peak resident memory of the registry so far (the import is by far its largest request).
rss_peak=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$server/status")
csv_mib=$(($(stat -c %s "$dir/people.csv") >> 20))
import_cpu=$(awk -v before="$cpu_before" -v tick="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15 - before) / tick }' "/proc/$server/stat")
if [ "${PROFILE:-0}" = 1 ]; then
    kill -INT "$profiler"
    wait "$profiler" || true
fi
# Steady state before measuring reads: statistics fresh, the import's audit entries sealed, its
# writes checkpointed (otherwise the first seconds measure the import's aftermath).
cluster_psql "$port" bench --quiet --command="VACUUM ANALYZE" >/dev/null
for _ in $(seq 1 120); do
    pending=$(cluster_psql "$port" bench --tuples-only --no-align \
        --command="SELECT (SELECT count(*) FROM audit.entries) - (SELECT count(*) FROM audit.chain)")
    [ "$pending" -lt 100 ] && break
    sleep 1
done
cluster_psql "$port" bench --quiet --command="CHECKPOINT" >/dev/null
log "searching"
search=$($py search "$base" "$token" "$dir/people.csv" "$searches")
$py ids "$base" "$token" "$dir/ids.txt" 20000 >&2
log "read by id, wrk 32 connections, ${wrk_seconds}s"
read=$(TOKEN=$token IDS_FILE="$dir/ids.txt" wrk -t2 -c32 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/registry/read.lua" "$base")
log "create, wrk 16 connections, ${wrk_seconds}s"
create=$(TOKEN=$token wrk -t2 -c16 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/registry/create.lua" "$base")

rps() { awk '/^Requests\/sec/ { printf "%.0f", $2 }'; }
pct() { awk -v p="$1" '$1 == p { print $2 }'; }
echo
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync on, synchronous_commit on; registry release build; $(nproc) cores"
echo "machine yardstick: pgbench -M prepared -S -c 1 -T 10 on this cluster: $yardstick tps"
echo "$import   (target: 250,000 rows within 60 s)"
echo "    registry CPU during the import: $import_cpu s (user + system)"
echo "    registry memory: $rss_before MiB resident before, $rss_peak MiB at its peak (a $csv_mib MiB file)"
echo "    by: python3 Benchmarks/registry/http_bench.py import BASE TOKEN people.csv  (people.csv: generate_people.py $people)"
echo "$search   (target: p95 <= 20 ms)"
echo "    by: python3 Benchmarks/registry/http_bench.py search BASE TOKEN people.csv $searches"
echo "read by id (wrk -t2 -c32 -d${wrk_seconds}s --latency -s Benchmarks/registry/read.lua BASE): $(echo "$read" | rps) req/s, p50 $(echo "$read" | pct 50%), p99 $(echo "$read" | pct 99%), errors: $(echo "$read" | grep -c 'Non-2xx\|Socket errors' || true)   (target: >= 3000 req/s, p99 <= 25 ms)"
echo "create (wrk -t2 -c16 -d${wrk_seconds}s --latency -s Benchmarks/registry/create.lua BASE): $(echo "$create" | rps) people/s, p50 $(echo "$create" | pct 50%), p99 $(echo "$create" | pct 99%)   (target: >= 800/s)"
if [ "${PROFILE:-0}" = 1 ]; then
    echo
    echo "Where the registry's CPU went during the import (perf, inclusive, top 40):"
    perf report -i "$dir/import.perf" --children --sort symbol --stdio -g none 2>/dev/null | grep '%' | head -40 \
        | cut -c1-160 | { swift demangle --simplified 2>/dev/null || cat; }
fi
