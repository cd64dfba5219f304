#!/usr/bin/env bash
# Measures the treatment service over HTTP on a throwaway PostgreSQL cluster with durable
# settings (fsync, synchronous_commit and full_page_writes on), release builds, in one run:
#
#   Benchmarks/treatment.sh            (PEOPLE=250000 WRK_SECONDS=15 REQUESTS=500 by default)
#
# Setup (not measured): the registry benchmark's PEOPLE people imported through the registry,
# then an episode history for a third of them (Benchmarks/treatment/seed.sql: a determination, a
# completed episode with its stages, and an active episode, running after-care with contacts or
# completed after-care), VACUUM ANALYZE and CHECKPOINT. Then:
#  1. opening episodes under wrk, 16 connections, each for a person without one: episodes/s;
#  2. a commune's deadline list (the 50 most populous communes, in turn), one client: p50/p95/p99;
#  3. a province's deadline list (every province), one client: p50/p95/p99;
#  4. a person's full treatment history (people with a history), one client: p50/p95/p99;
#  5. the service's resident memory once ready (idle) and at its peak over 1-4;
# with pgbench's select-only rate at concurrency 1 on the same cluster as a yardstick of the
# machine. Installs wrk from Debian when missing. See BENCHMARKS.md.
# EXPLAIN=1 also logs the plan of every statement slower than 5 ms during the lists (auto_explain)
# and prints the slowest ones at the end.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"
# shellcheck source=Benchmarks/service_bench.sh
source "$root/Benchmarks/service_bench.sh"

people=${PEOPLE:-250000}
wrk_seconds=${WRK_SECONDS:-15}
requests=${REQUESTS:-500}
day=2026-12-05
log() { printf '[treatment-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_install_tool wrk
cluster_find_bin
log "swift build -c release --product registry --product treatment"
swift build -c release --product registry >&2
swift build -c release --product treatment >&2
bin="$(swift build -c release --show-bin-path)"

bench_cluster recovery-treatbench-pg
registry_port=$(cluster_free_port)
treatment_port=$(cluster_free_port)
registry_base="http://127.0.0.1:$registry_port"
base="http://127.0.0.1:$treatment_port"
export LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1
trap 'rc=$?; set +e; kill ${registry:-} ${treatment:-} 2>/dev/null; wait ${registry:-} ${treatment:-} 2>/dev/null; (exit $rc); cluster_cleanup_throwaway' EXIT
bench_serve registry "$registry_port"
registry=$bench_pid
bench_serve treatment "$treatment_port"
treatment=$bench_pid
# Its resident memory once ready (idle); its peak is read at the end.
sleep 2
rss_idle=$(bench_rss "$treatment")

log "generating and importing $people people"
bench_import_people "$registry_base" "$people"
log "writing an episode history for a third of them"
cluster_psql "$port" bench --quiet --file="$root/Benchmarks/treatment/seed.sql" >/dev/null
sql() { cluster_psql "$port" bench --tuples-only --no-align --command="$1"; }
histories=$(sql "SELECT count(DISTINCT person_id) FROM treatment.episodes")
episodes=$(sql "SELECT count(*) FROM treatment.episodes")
# Paths for each measurement, and the people without an episode for the creations.
sql "SELECT id FROM registry.people WHERE abs(hashtext(id::text)) % 3 <> 0 ORDER BY id LIMIT 60000" >"$dir/ids.txt"
sql "SELECT '/v1/deadlines?on=$day&commune=' || residence_commune_code FROM registry.people
     GROUP BY residence_commune_code ORDER BY count(*) DESC LIMIT 50" >"$dir/communes.txt"
sql "SELECT DISTINCT '/v1/deadlines?on=$day&province=' || residence_province_code FROM registry.people" >"$dir/provinces.txt"
sql "SELECT DISTINCT '/v1/people/' || person_id || '/episodes' FROM treatment.episodes LIMIT 20000" >"$dir/histories.txt"
commune_people=$(sql "SELECT max(n) FROM (SELECT count(*) n FROM registry.people GROUP BY residence_commune_code) c")
province_people=$(sql "SELECT max(n) FROM (SELECT count(*) n FROM registry.people GROUP BY residence_province_code) p")
bench_steady

log "opening episodes, wrk 16 connections, ${wrk_seconds}s"
create=$(TOKEN=$token IDS_FILE="$dir/ids.txt" PATH_FORMAT="/v1/people/%s/episodes" EXPECT=201 \
    BODY='{"form":"voluntary_community","plannedStart":"2026-01-05","plannedEnd":"2026-07-04","supervisor":"Công an xã"}' \
    wrk -t2 -c16 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/post_each.lua" "$base")
latency="python3 $root/Benchmarks/latency.py $base $token"
if [ "${EXPLAIN:-0}" = 1 ]; then
    cluster_explain_on "$port"
    # New sessions load it: restart the treatment service's connections.
    kill "$treatment"; wait "$treatment" 2>/dev/null || true
    bench_serve treatment "$treatment_port"
    treatment=$bench_pid
fi
log "deadline lists and histories, one client"
commune=$($latency "a commune's deadline list" "$dir/communes.txt" "$requests")
province=$($latency "a province's deadline list" "$dir/provinces.txt" "$requests")
history=$($latency "a person's treatment history" "$dir/histories.txt" "$requests")

rps() { awk '/^Requests\/sec/ { printf "%.0f", $2 }'; }
pct() { awk -v p="$1" '$1 == p { print $2 }'; }
echo
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync on, synchronous_commit on; release builds; $(nproc) cores"
echo "machine yardstick: pgbench -M prepared -S -c 1 -T 10 on this cluster: $yardstick tps"
echo "data: $people people, $histories with an episode history ($episodes episodes); largest commune $commune_people people, largest province $province_people"
echo "open an episode (wrk -t2 -c16 -d${wrk_seconds}s --latency -s Benchmarks/post_each.lua BASE, PATH_FORMAT=/v1/people/%s/episodes): $(echo "$create" | rps) episodes/s, p50 $(echo "$create" | pct 50%), p99 $(echo "$create" | pct 99%), errors: $(echo "$create" | grep -c 'Non-2xx\|Socket errors' || true)   (target: >= 500/s)"
echo "$commune   (target: p95 <= 20 ms)"
echo "$province   (target: p95 <= 100 ms)"
echo "$history   (target: p95 <= 10 ms)"
echo "    by: python3 Benchmarks/latency.py BASE TOKEN LABEL PATHS N, on=$day, admin token, as a list's caller"
echo "treatment service's resident memory: $rss_idle MiB idle once ready, $(bench_rss "$treatment" VmHWM) MiB at its peak over the runs   (targets: <= 64 MiB idle, <= 256 MiB under load)"
if [ "${EXPLAIN:-0}" = 1 ]; then
    echo
    echo "Statements slower than 5 ms during the lists (auto_explain), the slowest of each of the six slowest kinds:"
    cluster_explain_report "$dir"
fi
