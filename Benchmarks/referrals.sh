#!/usr/bin/env bash
# Measures the referrals service over HTTP on a throwaway PostgreSQL cluster with durable
# settings (fsync, synchronous_commit and full_page_writes on), release builds, in one run:
#
#   Benchmarks/referrals.sh            (PEOPLE=100000 WRK_SECONDS=15 REQUESTS=500 by default)
#
# Setup (not measured): PEOPLE generated people imported through the registry, then
# Benchmarks/referrals/seed.sql: 2,000 partners and 20,000 open offers over the real 2025
# communes, a reintegration case per person, job placements with their follow-ups for 40% and
# referrals awaiting an answer for 30%; VACUUM ANALYZE; CHECKPOINT. Then:
#  1. matching offers for a case (random cases), one client: p50/p95/p99;
#  2. a commune's follow-up due list (the 50 communes with most follow-ups), one client;
#  3. referral status changes under wrk, 16 connections: the partner's answer, each referral once;
# and the service's resident memory once ready (idle) and at its peak over the measurements;
# with pgbench's select-only rate at concurrency 1 on the same cluster as a yardstick of the
# machine. Installs wrk from Debian when missing. See BENCHMARKS.md.
# EXPLAIN=1 also logs the plan of every statement slower than 5 ms while measuring (auto_explain)
# and prints the slowest ones at the end.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"
# shellcheck source=Benchmarks/service_bench.sh
source "$root/Benchmarks/service_bench.sh"

people=${PEOPLE:-100000}
wrk_seconds=${WRK_SECONDS:-15}
requests=${REQUESTS:-500}
day=2026-12-05
log() { printf '[referrals-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_install_tool wrk
cluster_find_bin
log "swift build -c release --product registry --product referrals"
swift build -c release --product registry >&2
swift build -c release --product referrals >&2
bin="$(swift build -c release --show-bin-path)"

bench_cluster recovery-refbench-pg
registry_port=$(cluster_free_port)
referrals_port=$(cluster_free_port)
registry_base="http://127.0.0.1:$registry_port"
base="http://127.0.0.1:$referrals_port"
export LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1
trap 'rc=$?; set +e; kill ${registry:-} ${referrals:-} 2>/dev/null; wait ${registry:-} ${referrals:-} 2>/dev/null; (exit $rc); cluster_cleanup_throwaway' EXIT
bench_serve registry "$registry_port"
registry=$bench_pid
bench_serve referrals "$referrals_port"
referrals=$bench_pid
# Its resident memory once ready (idle); its peak is read at the end.
sleep 2
rss_idle=$(bench_rss "$referrals")

log "generating and importing $people people"
bench_import_people "$registry_base" "$people"
log "writing partners, offers, cases, placements and follow-ups"
cluster_psql "$port" bench --quiet --file="$root/Benchmarks/referrals/seed.sql" >/dev/null
sql() { cluster_psql "$port" bench --tuples-only --no-align --command="$1"; }
counts=$(sql "SELECT (SELECT count(*) FROM referrals.partners) || ' partners, ' || (SELECT count(*) FROM referrals.offers) || ' offers, '
              || (SELECT count(*) FROM referrals.cases) || ' cases, ' || (SELECT count(*) FROM referrals.follow_ups) || ' follow-ups'")
sql "SELECT '/v1/cases/' || id || '/matches' FROM referrals.cases ORDER BY md5(id::text) LIMIT 20000" >"$dir/matches.txt"
sql "SELECT '/v1/follow-ups?on=$day&communeCode=' || r.commune_code FROM referrals.follow_ups f JOIN referrals.referrals r ON r.id = f.referral_id
     GROUP BY r.commune_code ORDER BY count(*) DESC LIMIT 50" >"$dir/follow-ups.txt"
commune_follow_ups=$(sql "SELECT max(n) FROM (SELECT count(*) n FROM referrals.follow_ups f JOIN referrals.referrals r ON r.id = f.referral_id
                          GROUP BY r.commune_code) c")
sql "SELECT id FROM referrals.referrals WHERE status = 'sent' ORDER BY id" >"$dir/sent.txt"
bench_steady

if [ "${EXPLAIN:-0}" = 1 ]; then
    cluster_explain_on "$port"
    # New sessions load it: restart the referrals service's connections.
    kill "$referrals"; wait "$referrals" 2>/dev/null || true
    bench_serve referrals "$referrals_port"
    referrals=$bench_pid
fi
latency="python3 $root/Benchmarks/latency.py $base $token"
log "matching and follow-up lists, one client"
matching=$($latency "matching offers for a case" "$dir/matches.txt" "$requests")
follow_ups=$($latency "a commune's follow-up due list" "$dir/follow-ups.txt" "$requests")
log "status changes, wrk 16 connections, ${wrk_seconds}s"
changes=$(TOKEN=$token IDS_FILE="$dir/sent.txt" PATH_FORMAT="/v1/referrals/%s/response" BODY='{"decision":"accepted"}' \
    wrk -t2 -c16 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/post_each.lua" "$base")

rps() { awk '/^Requests\/sec/ { printf "%.0f", $2 }'; }
pct() { awk -v p="$1" '$1 == p { print $2 }'; }
echo
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync on, synchronous_commit on; release builds; $(nproc) cores"
echo "machine yardstick: pgbench -M prepared -S -c 1 -T 10 on this cluster: $yardstick tps"
echo "data: $people people; $counts; at most $commune_follow_ups follow-ups in one commune"
echo "$matching   (target: p95 <= 20 ms)"
echo "$follow_ups   (target: p95 <= 20 ms)"
echo "status changes (wrk -t2 -c16 -d${wrk_seconds}s --latency -s Benchmarks/post_each.lua BASE, PATH_FORMAT=/v1/referrals/%s/response): $(echo "$changes" | rps) changes/s, p50 $(echo "$changes" | pct 50%), p99 $(echo "$changes" | pct 99%), errors: $(echo "$changes" | grep -c 'Non-2xx\|Socket errors' || true)   (target: >= 500/s)"
echo "    by: python3 Benchmarks/latency.py BASE TOKEN LABEL PATHS N (admin token), on=$day"
echo "referrals service's resident memory: $rss_idle MiB idle once ready, $(bench_rss "$referrals" VmHWM) MiB at its peak over the runs   (targets: <= 64 MiB idle, <= 256 MiB under load)"
if [ "${EXPLAIN:-0}" = 1 ]; then
    echo
    echo "Statements slower than 5 ms while measuring (auto_explain), the slowest of each of the six slowest kinds:"
    cluster_explain_report "$dir"
fi
