#!/usr/bin/env bash
# Measures the statistics service on a throwaway PostgreSQL cluster with durable settings (fsync,
# synchronous_commit and full_page_writes on), release builds, in one run:
#
#   Benchmarks/statistics.sh            (PEOPLE=250000 WRITE_SECONDS=30 REQUESTS=50 by default)
#
# Setup (not measured): the registry (for the administrative units) and the statistics service
# migrated; then the history of Benchmarks/statistics/seed.sql written into the bus log: PEOPLE
# people over five years with their determinations, episodes in every form, after-care, relapses,
# loans and status changes, and programme records (about 7 events a person). Then:
#  1. `statistics rebuild` replays the whole log into fresh tables and aggregates: seconds;
#  2. the service started over the rebuilt tables; the national table for a year
#     (GET /v1/indicators/table?year=Y, the five years in turn), one client: p50/p95/p99, next to
#     its main figures computed straight from the counting tables (naive_table.sql, psql \timing);
#  3. a CSV of every commune x computed indicator x month for five years
#     (GET /v1/indicators/values?groupBy=commune&period=month&...&format=csv): seconds and rows,
#     next to one of its indicators computed straight from the counting tables (naive_csv.sql);
#  4. writes to the aggregates at 200 per second for WRITE_SECONDS, twice in a row (the first round
#     right after the exports, the second in steady state) (pgbench -R 200 publishing a
#     status change each, Benchmarks/statistics/write_event.sql): each write's delay from its
#     publication to the commit that put it in the aggregates (the consumer's
#     bus_event_delay_seconds histogram: p50, p99), the consumer's time per batch
#     (bus_handler_duration_seconds, type "batch"), the largest lag seen, and how long after the
#     load's end the consumer had handled every event; next to what a write alters recomputed
#     straight from the counting tables (naive_write.sql);
#  5. the service's resident memory once ready (idle) and at its peak over 2-4;
# with pgbench's select-only rate at concurrency 1 on the same cluster as a yardstick of the
# machine. EXPLAIN=1 also prints the plans of the rebuild's slow statements. See BENCHMARKS.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"
# shellcheck source=Benchmarks/service_bench.sh
source "$root/Benchmarks/service_bench.sh"

people=${PEOPLE:-250000}
write_seconds=${WRITE_SECONDS:-30}
requests=${REQUESTS:-50}
log() { printf '[statistics-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_find_bin
log "swift build -c release --product registry --product statistics"
swift build -c release --product registry >&2
swift build -c release --product statistics >&2
bin="$(swift build -c release --show-bin-path)"

bench_cluster recovery-statbench-pg
registry_port=$(cluster_free_port)
statistics_port=$(cluster_free_port)
registry_base="http://127.0.0.1:$registry_port"
base="http://127.0.0.1:$statistics_port"
export LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1
trap 'rc=$?; set +e; kill ${registry:-} ${statistics:-} 2>/dev/null; wait ${registry:-} ${statistics:-} 2>/dev/null; (exit $rc); cluster_cleanup_throwaway' EXIT
bench_serve registry "$registry_port"
registry=$bench_pid
token=$(python3 "$root/Benchmarks/registry/http_bench.py" token "$registry_base" perf "$bench_password")
# Migrated and its consumer registered, then stopped: the rebuild runs alone.
bench_serve statistics "$statistics_port"
kill "$bench_pid"; wait "$bench_pid" 2>/dev/null || true
sql() { cluster_psql "$port" bench --tuples-only --no-align --command="$1"; }

log "writing the history of $people people into the bus log"
cluster_psql "$port" bench --quiet -v people="$people" --file="$root/Benchmarks/statistics/seed.sql" >/dev/null
events=$(sql "SELECT count(*) FROM bus.events")
# The people the writes below pick from (Benchmarks/statistics/write_event.sql), in seed.sql's commune.
sql "CREATE TABLE bench_writers AS SELECT n, md5('person' || n)::uuid AS person_id, '00004'::text AS commune_code
     FROM generate_series(1, $people) n; ALTER TABLE bench_writers ADD PRIMARY KEY (n)" >/dev/null
cluster_psql "$port" bench --quiet --command="VACUUM ANALYZE" --command="CHECKPOINT" >/dev/null

# EXPLAIN=1: the plans of the rebuild's statements slower than a second (auto_explain, printed after
# it; it slows the rebuild, so its time is then not comparable); off again for what follows.
[ "${EXPLAIN:-0}" = 1 ] && cluster_explain_on "$port" 1000
log "statistics rebuild ($events events)"
started=$(date +%s.%N)
rebuilt=$(DATABASE_URL="postgresql://statistics@127.0.0.1:$port/bench" "$bin/statistics" rebuild)
rebuild_seconds=$(awk -v start="$started" -v end="$(date +%s.%N)" 'BEGIN { print end - start }')
tallies=$(sql "SELECT count(*) FROM statistics.tallies")
if [ "${EXPLAIN:-0}" = 1 ]; then
    echo "The rebuild's statements slower than a second (auto_explain), the slowest of each of the six slowest kinds:"
    cluster_explain_report "$dir"
    cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM RESET session_preload_libraries" --command="SELECT pg_reload_conf()" >/dev/null
fi
cluster_psql "$port" bench --quiet --command="VACUUM ANALYZE" --command="CHECKPOINT" >/dev/null

bench_serve statistics "$statistics_port"
statistics=$bench_pid
# Resident memory once ready (idle), and at its peak after everything below (the exports, the CSVs
# and the writes).
sleep 2
rss_idle=$(bench_rss "$statistics")
for year in 2021 2022 2023 2024 2025; do echo "/v1/indicators/table?year=$year"; done >"$dir/tables.txt"
latency="python3 $root/Benchmarks/latency.py $base $token"
log "national tables, one client"
table=$($latency "the national table of a year" "$dir/tables.txt" "$requests")
naive=()
for _ in 1 2 3 4 5; do
    ms=$(cluster_psql "$port" bench --quiet --command='\timing on' --file="$root/Benchmarks/statistics/naive_table.sql" 2>&1 |
        awk '/^Time:/ { sum += $2 } END { printf "%.1f", sum }')
    naive+=("$ms")
done
naive_median=$(printf '%s\n' "${naive[@]}" | sort -n | sed -n 3p)
# psql's \timing of a file's statements, summed, in ms.
timed() {
    cluster_psql "$port" bench --quiet --output=/dev/null --command='\timing on' --file="$1" 2>&1 |
        awk '/^Time:/ { sum += $2 } END { printf "%.1f", sum }'
}
naive_writes=()
for _ in 1 2 3 4 5; do naive_writes+=("$(timed "$root/Benchmarks/statistics/naive_write.sql")"); done
naive_write_median=$(printf '%s\n' "${naive_writes[@]}" | sort -n | sed -n 3p)

log "CSV of every commune x indicator x month, five years"
csv_path="/v1/indicators/values?groupBy=commune&period=month&from=2021-01-01&to=2025-12-31&format=csv"
csv_times=()
for _ in 1 2 3; do
    csv_times+=("$(curl -fsS -o "$dir/all.csv" -w '%{time_total}' -H "Authorization: Bearer $token" "$base$csv_path")")
done
csv_median=$(printf '%s\n' "${csv_times[@]}" | sort -n | sed -n 2p)
csv_rows=$(($(wc -l <"$dir/all.csv") - 1))
csv_bytes=$(wc -c <"$dir/all.csv")

# The histograms' buckets of the statistics' consumer: each write's delay, and the handler's time per batch.
histogram() { bench_histogram "$base" "$@"; }
# write_round NAME: writes at 200/s for WRITE_SECONDS, then waits until the consumer has passed
# every event; prints the round's line.
write_round() {
    local name=$1 load max_lag=0 lag load_ended caught_up written delay batches
    histogram bus_event_delay_seconds >"$dir/delay_before.txt"
    histogram bus_handler_duration_seconds batch >"$dir/batch_before.txt"
    "$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --no-vacuum --client=4 --jobs=2 --rate=200 \
        --time="$write_seconds" --define=people="$people" --file="$root/Benchmarks/statistics/write_event.sql" bench >"$dir/pgbench.txt" 2>&1 &
    load=$!
    while kill -0 "$load" 2>/dev/null; do
        lag=$(curl -fsS "$base/metrics" | awk '/^bus_consumer_lag_seconds/ && /statistics.counts/ { print $2 }' | head -1)
        max_lag=$(echo "${lag:-0} $max_lag" | awk '{ print ($1 > $2) ? $1 : $2 }')
        sleep 1
    done
    wait "$load"
    load_ended=$(date +%s.%N)
    for _ in $(seq 1 3000); do [ "$(sql "$bench_pending_sql")" = 0 ] && break; sleep 0.1; done
    caught_up=$(awk -v start="$load_ended" -v end="$(date +%s.%N)" 'BEGIN { printf "%.1f", end - start }')
    [ "$(sql "$bench_pending_sql")" = 0 ] || caught_up="(not all: $(sql "$bench_pending_sql") still waiting) $caught_up"
    histogram bus_event_delay_seconds >"$dir/delay_after.txt"
    histogram bus_handler_duration_seconds batch >"$dir/batch_after.txt"
    written=$(awk '/^number of transactions actually processed/ { print $NF }' "$dir/pgbench.txt")
    delay=$(bench_quantiles "$dir/delay_before.txt" "$dir/delay_after.txt" events)
    batches=$(bench_quantiles "$dir/batch_before.txt" "$dir/batch_after.txt" batches)
    echo "writes at 200/s, $name (pgbench -R 200 -c 4 -T $write_seconds, write_event.sql): $written published; in the aggregates after $delay   (target: p50 <= 10 ms, p99 <= 50 ms); handled in $batches; largest consumer lag seen ${max_lag} s; all handled ${caught_up} s after the load ended"
}

# Two rounds: the first right after the exports (the day's aggregate rows new, the counting
# tables' pages out of the database's cache), the second at once after it (steady state).
log "writes at 200/s, two rounds of ${write_seconds}s"
first_round=$(write_round "first round")
second_round=$(write_round "second round")

# Last, so that its minute of reading the counting tables disturbs nothing measured above.
log "one of the CSV's indicators straight from the counting tables"
naive_csv_ms=$(timed "$root/Benchmarks/statistics/naive_csv.sql")

echo
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync on, synchronous_commit on; release builds; $(nproc) cores"
echo "machine yardstick: pgbench -M prepared -S -c 1 -T 10 on this cluster: $yardstick tps"
echo "data: $people people, $events events in the bus log, $tallies aggregate rows after the rebuild"
echo "statistics rebuild: $(printf '%.1f' "$rebuild_seconds") s ($rebuilt)   (target: <= 120 s)"
echo "$table   (target: p95 <= 50 ms; naive, straight from the counting tables, five of its figures: median $naive_median ms)"
echo "CSV of every commune x indicator x month, 2021-2025: median of 3 $(printf '%.2f' "$csv_median") s, $csv_rows rows, $csv_bytes bytes   (target: <= 2 s; naive, straight from the counting tables, one of its 20 indicators (naive_csv.sql): $(awk -v ms="$naive_csv_ms" 'BEGIN { printf "%.2f", ms / 1000 }') s)"
echo "$first_round"
echo "$second_round"
echo "    naive: what a status change alters (the country's people under management on the day) recomputed straight from the counting tables (naive_write.sql): median of 5 $naive_write_median ms"
echo "statistics service's resident memory: $rss_idle MiB idle once ready, $(bench_rss "$statistics" VmHWM) MiB at its peak over the tables, CSVs and writes   (targets: <= 64 MiB idle, <= 256 MiB under load)"
