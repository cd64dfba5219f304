#!/usr/bin/env bash
# The whole system on a generated data set: the four services' release builds, all running, on a
# throwaway PostgreSQL cluster with durable settings (fsync, synchronous_commit and
# full_page_writes on), in one run:
#
#   Benchmarks/system.sh            (SIZE=province by default: small | province | national; PEOPLE=N
#                                   to override the size's number; JOBS=8; REQUESTS=50)
#
#  1. the data generator (Benchmarks/generator/generate.py) writes the SIZE data set through the
#     services' write paths: seconds, requests and people per second, and what it wrote;
#  2. each service's resident memory once ready (idle) and at its peak during the generation
#     (under load: every service takes writes, the consumers follow);
#  3. once the statistics' consumer has passed every event (how many it had still to pass when
#     the generation ended, and how long it took): the registry's search by name without diacritics
#     (one client, REQUESTS queries: p50/p95/p99); the treatment service's deadline lists of the 50
#     largest communes and of every province and people's treatment histories, the referrals
#     service's matching offers for a case and follow-up lists of the 50 communes with most
#     referrals (each one client, REQUESTS queries: p50/p95/p99); the statistics' national table of each of the
#     five years (one client: p50/p95/p99) and the CSV of every commune x indicator x month over the
#     five years (seconds, median of three);
#  4. the treatment and referrals services' write targets with the four running (wrk, 16
#     connections, WRK_SECONDS=15 at most, fewer when the data set has fewer people to write for):
#     episodes opened for people without one, referrals made for open cases, and the partners'
#     answers to them (each once): requests a second, p50, p99; and how long the events of each
#     step took from their publication to the statistics' aggregates (the consumer's
#     bus_event_delay_seconds histogram, read before and after: p50, p99);
#  5. the statistics' own write target with the four running: writes at 200 a second for 30 s
#     (pgbench -R 200 -c 4, Benchmarks/statistics/write_event.sql: a generated person's status
#     changes, published as the registry publishes it), each write's delay from its publication to
#     the aggregates (the same histogram: p50, p99) and the consumer's time per batch
#     (bus_handler_duration_seconds, type batch) and how many of the aggregates' row updates were
#     made in place (HOT, pg_stat_user_tables); then a second such round with every statement's
#     time recorded (pg_stat_statements, loaded by the cluster and tracking for that round only):
#     the same figures and the 15 statements that took the most time (with EXPLAIN=1 also the
#     plans of its statements slower than EXPLAIN_MS=10 ms, from auto_explain: buffers and WAL);
#  6. `statistics rebuild` of the generated log while the four services run: seconds;
#  7. unless STANDBY=0: a hot standby of the cluster (pg_basebackup, streaming replication) and a
#     second registry and statistics reading from it (DATABASE_READ_URL); the national tables of
#     the five years (wrk, 4 connections, Benchmarks/get_paths.lua) through the statistics reading
#     the primary, then the standby, alone and while registrations run on the primary (wrk, 16
#     connections, Benchmarks/registry/create.lua): requests a second, p50, p99, the CPU seconds
#     each cluster spent, the registrations' rate and the standby's replay lag
#     (Benchmarks/standby/lag.sh);
#  8. each service's resident memory at its peak over everything, and the database's size on disk
#     (after the generation, before the rebuild) by schema;
# with pgbench's select-only rate at concurrency 1 on the same cluster as a yardstick of the
# machine, at the start and again once the generation is done, before the measurements. See
# BENCHMARKS.md ("The whole system on generated data").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"
# shellcheck source=Benchmarks/service_bench.sh
source "$root/Benchmarks/service_bench.sh"

size=${SIZE:-province}
jobs=${JOBS:-8}
requests=${REQUESTS:-50}
wrk_seconds=${WRK_SECONDS:-15}
standby=${STANDBY:-1}
services=(registry treatment referrals statistics)
log() { printf '[system-bench] %s\n' "$*" >&2; }
# Logs a figure as soon as it is measured, so that a run stopped later still shows it.
measured() { log "measured: $*"; }

cluster_install_packages
cluster_install_tool wrk
cluster_find_bin
log "swift build -c release (the four services)"
for service in "${services[@]}"; do swift build -c release --product "$service" >&2; done
bin="$(swift build -c release --show-bin-path)"

bench_cluster recovery-systembench-pg
# pg_stat_statements loaded but not tracking: step 5's second round turns it on for itself.
cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', 'auto_explain'" >/dev/null
cluster_stop "$dir" >/dev/null
cluster_start "$dir" "$port"
cluster_psql "$port" bench --quiet --command="ALTER SYSTEM SET pg_stat_statements.track = 'none'" --command="SELECT pg_reload_conf()" \
    --command="CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
declare -A pids ports
export LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1
standby_dir="$dir/standby"
trap 'rc=$?; set +e; kill ${pids[*]:-} 2>/dev/null; wait ${pids[*]:-} 2>/dev/null; cluster_stop "$standby_dir" >/dev/null 2>&1; (exit $rc); cluster_cleanup_throwaway' EXIT
for service in "${services[@]}"; do
    ports[$service]=$(cluster_free_port)
    bench_serve "$service" "${ports[$service]}"
    pids[$service]=$bench_pid
done
url() { echo "http://127.0.0.1:${ports[$1]}"; }
sleep 2
declare -A idle
for service in "${services[@]}"; do idle[$service]=$(bench_rss "${pids[$service]}"); done
sql() { cluster_psql "$port" bench --tuples-only --no-align --command="$1"; }

log "generating the $size data set ($jobs people at once)"
# Past a person whose history fails (counted and reported below) rather than losing the run.
GENERATOR_PASSWORD="$bench_password" python3 "$root/Benchmarks/generator/generate.py" --size "$size" ${PEOPLE:+--people "$PEOPLE"} \
    --jobs "$jobs" --keep-going --user perf --registry "$(url registry)" --treatment "$(url treatment)" \
    --referrals "$(url referrals)" --statistics "$(url statistics)" >"$dir/generated.json" || true
measured "generator: $(cat "$dir/generated.json")"
declare -A loaded
for service in "${services[@]}"; do loaded[$service]=$(bench_rss "${pids[$service]}" VmHWM); done
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$dir/generated.json" "$1"; }

# The statistics' consumer follows the generator on the same two cores and may end far behind
# (675,796 events ten minutes after a national generation ended, in the nineteenth session): the
# reads wait for it, however long, and the time it took is a figure of its own.
# pass_every_event SECONDS: waits until the statistics' consumer has passed every event of the
# log, at most SECONDS; fails if it has not by then.
pass_every_event() {
    local until=$(($(date +%s) + $1))
    while [ "$(sql "$bench_pending_sql" | tail -1)" != 0 ]; do
        [ "$(date +%s)" -lt "$until" ] || return 1
        sleep 0.2
    done
}
behind=$(sql "$bench_pending_sql" | tail -1)
log "waiting for the statistics' consumer to pass every event ($behind to go)"
generated_at=$(date +%s)
if pass_every_event 7200; then
    caught_up="$behind events still to pass when the generation ended; all passed $(($(date +%s) - generated_at)) s later"
else
    caught_up="$behind events still to pass when the generation ended; $(sql "$bench_pending_sql" | tail -1) still after two hours (the reads below ran anyway)"
fi
measured "statistics' consumer: $caught_up"
cluster_psql "$port" bench --quiet --command="VACUUM ANALYZE" --command="CHECKPOINT" >/dev/null
# The machine's hours move within a long run: the yardstick again, right before the measurements.
yardstick_again=$(cluster_yardstick "$port")
measured "yardstick before the measurements: $yardstick_again tps"
events=$(sql "SELECT count(*) FROM bus.events")
people=$(sql "SELECT count(*) FROM registry.people")
# The database on disk, and its largest parts by schema (tables with their indexes and TOAST).
database_mib=$(sql "SELECT pg_database_size('bench') / 1048576")
schemas=$(sql "SELECT string_agg(format('%s %s MiB', nspname, mib), ', ' ORDER BY mib DESC) FROM (
    SELECT n.nspname, sum(pg_total_relation_size(c.oid))::bigint / 1048576 AS mib FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') GROUP BY 1) s")

token=$(python3 "$root/Benchmarks/registry/http_bench.py" token "$(url registry)" perf "$bench_password")
cluster_psql "$port" bench --quiet --command="\\copy (SELECT full_name FROM registry.people) TO '$dir/names.csv' WITH (FORMAT csv, HEADER)"
search=$(python3 "$root/Benchmarks/registry/http_bench.py" search "$(url registry)" "$token" "$dir/names.csv" "$requests")
measured "registry $search"

# The treatment and referrals services' read targets (Benchmarks/treatment.sh, referrals.sh) on
# the generated data: the 50 communes with most people, every province, people with an episode
# history, reintegration cases, the 50 communes with most referrals.
today=$(field today)
sql "SELECT '/v1/deadlines?on=$today&commune=' || residence_commune_code FROM registry.people
     GROUP BY residence_commune_code ORDER BY count(*) DESC LIMIT 50" >"$dir/deadline_communes.txt"
sql "SELECT DISTINCT '/v1/deadlines?on=$today&province=' || residence_province_code FROM registry.people" >"$dir/deadline_provinces.txt"
sql "SELECT DISTINCT '/v1/people/' || person_id || '/episodes' FROM treatment.episodes LIMIT 20000" >"$dir/histories.txt"
sql "SELECT '/v1/cases/' || id || '/matches' FROM referrals.cases ORDER BY md5(id::text) LIMIT 20000" >"$dir/matches.txt"
sql "SELECT '/v1/follow-ups?on=$today&communeCode=' || commune_code FROM referrals.referrals
     GROUP BY commune_code ORDER BY count(*) DESC LIMIT 50" >"$dir/follow_ups.txt"
commune_deadlines=$(python3 "$root/Benchmarks/latency.py" "$(url treatment)" "$token" "a commune's deadline list" "$dir/deadline_communes.txt" "$requests")
province_deadlines=$(python3 "$root/Benchmarks/latency.py" "$(url treatment)" "$token" "a province's deadline list" "$dir/deadline_provinces.txt" "$requests")
history=$(python3 "$root/Benchmarks/latency.py" "$(url treatment)" "$token" "a person's treatment history" "$dir/histories.txt" "$requests")
matching=$(python3 "$root/Benchmarks/latency.py" "$(url referrals)" "$token" "matching offers for a case" "$dir/matches.txt" "$requests")
follow_ups=$(python3 "$root/Benchmarks/latency.py" "$(url referrals)" "$token" "a commune's follow-up due list" "$dir/follow_ups.txt" "$requests")
measured "treatment $commune_deadlines; $province_deadlines; $history; referrals $matching; $follow_ups"

last_year=$(($(field today | cut -c1-4) - 1))
first_year=$((last_year - 4))
for year in $(seq "$first_year" "$last_year"); do echo "/v1/indicators/table?year=$year"; done >"$dir/tables.txt"
table=$(python3 "$root/Benchmarks/latency.py" "$(url statistics)" "$token" "the national table of a year" "$dir/tables.txt" "$requests")
measured "statistics $table"
csv_path="/v1/indicators/values?groupBy=commune&period=month&from=$first_year-01-01&to=$last_year-12-31&format=csv"
csv_times=()
for _ in 1 2 3; do
    csv_times+=("$(curl -fsS -o "$dir/all.csv" -w '%{time_total}' -H "Authorization: Bearer $token" "$(url statistics)$csv_path")")
done
csv_median=$(printf '%s\n' "${csv_times[@]}" | sort -n | sed -n 2p)
csv_rows=$(($(wc -l <"$dir/all.csv") - 1))
measured "statistics CSV: ${csv_times[*]} s, $csv_rows rows"

# wrk's figures: requests a second, p50, p99, errors.
wrk_figures() {
    awk '/^Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 } /Non-2xx|Socket errors/ { errors++ }
         END { printf "%.0f req/s, p50 %s, p99 %s, errors %d", rps, p50, p99, errors }'
}
# How long to write for: WRK_SECONDS, or less when $1 things to write would run out at 2,000 a
# second; 0 (not measured) when they would within 3 s.
write_seconds() { awk -v n="$1" -v most="$wrk_seconds" 'BEGIN { s = int(n / 2000); print (s < 3 ? 0 : (s > most ? most : s)) }'; }
# Runs wrk for $1 seconds with the rest as its arguments, unless $1 is 0; a run that stops on an
# unexpected answer is reported with it (the other figures are kept).
write_for() {
    local seconds=$1
    shift
    if [ "$seconds" = 0 ]; then echo "not measured (too few to write for)"; else wrk_run -t2 -c16 -d"${seconds}s" --latency "$@"; fi
}
# Runs wrk with these arguments and prints its figures, or why it stopped.
wrk_run() {
    local output
    if output=$(wrk "$@" 2>&1); then
        echo "$output" | wrk_figures
    else
        echo "failed: $(echo "$output" | grep -m1 -o 'status [0-9]*.\{0,120\}')"
    fi
}

# Around a write step: the statistics' consumer's delay histogram before (`delay_from`), then,
# once the consumer has passed every event (at most 10 minutes later, else "not read"), how long
# each event of the step took from its publication to the aggregates (`delay_since`: count, p50,
# p99).
delay_from() { bench_histogram "$(url statistics)" bus_event_delay_seconds >"$dir/delay_before.txt"; }
delay_since() {
    pass_every_event 600 || return 1
    bench_histogram "$(url statistics)" bus_event_delay_seconds >"$dir/delay_after.txt"
    bench_quantiles "$dir/delay_before.txt" "$dir/delay_after.txt" events
}

log "the treatment and referrals services' writes, wrk 16 connections"
sql "SELECT p.id FROM registry.people p WHERE NOT EXISTS (SELECT 1 FROM treatment.episodes e WHERE e.person_id = p.id) ORDER BY p.id" \
    >"$dir/no_episode.txt"
episode_seconds=$(write_seconds "$(wc -l <"$dir/no_episode.txt")")
delay_from || true
episodes_opened=$(TOKEN=$token IDS_FILE="$dir/no_episode.txt" PATH_FORMAT="/v1/people/%s/episodes" EXPECT=201 \
    BODY='{"form":"voluntary_community","plannedStart":"2026-01-05","plannedEnd":"2026-07-04","supervisor":"Công an xã"}' \
    write_for "$episode_seconds" -s "$root/Benchmarks/post_each.lua" "$(url treatment)")
episodes_delay=$(delay_since || echo "not read")
measured "episodes opened: $episodes_opened; statistics after $episodes_delay"
# A referral for each open case to an offer of its province for one of its assessed needs (a case
# may have several), then the partner's answer to each.
sql "SELECT '/v1/people/' || c.person_id || '/referrals' || chr(9) || json_build_object('partnerId', o.partner_id, 'kind', o.kind,
            'offerId', o.id, 'caseId', c.id, 'request', 'Đề nghị hỗ trợ theo nhu cầu đã đánh giá')
     FROM referrals.cases c CROSS JOIN LATERAL (SELECT * FROM referrals.offers o WHERE o.province_code = c.province_code
        AND o.kind = ANY (c.needs) ORDER BY o.id LIMIT 1) o WHERE c.status = 'open' ORDER BY c.id" >"$dir/referrals.txt"
referral_seconds=$(write_seconds "$(($(wc -l <"$dir/referrals.txt") * 20))")
delay_from || true
referrals_made=$(TOKEN=$token LINES_FILE="$dir/referrals.txt" \
    write_for "$referral_seconds" -s "$root/Benchmarks/post_lines.lua" "$(url referrals)")
referrals_delay=$(delay_since || echo "not read")
measured "referrals made: $referrals_made; statistics after $referrals_delay"
sql "SELECT id FROM referrals.referrals WHERE status = 'sent' ORDER BY id" >"$dir/sent.txt"
answer_seconds=$(write_seconds "$(wc -l <"$dir/sent.txt")")
delay_from || true
referrals_answered=$(TOKEN=$token IDS_FILE="$dir/sent.txt" PATH_FORMAT="/v1/referrals/%s/response" BODY='{"decision":"accepted"}' \
    write_for "$answer_seconds" -s "$root/Benchmarks/post_each.lua" "$(url referrals)")
answers_delay=$(delay_since || echo "not read")
measured "referrals answered: $referrals_answered; statistics after $answers_delay"

log "the statistics' writes at 200/s, 30s"
# The generated people, numbered, for write_event.sql to pick from.
sql "CREATE TABLE bench_writers AS SELECT row_number() OVER (ORDER BY id) AS n, id AS person_id, residence_commune_code AS commune_code
     FROM registry.people; ALTER TABLE bench_writers ADD PRIMARY KEY (n)" >/dev/null
# The aggregates' row updates so far, and of them those in place (HOT), from the cumulative
# statistics (each backend reports within a second or so of going idle).
aggregate_updates() {
    sql "SELECT coalesce(sum(n_tup_upd), 0) || ' ' || coalesce(sum(n_tup_hot_upd), 0) FROM pg_stat_user_tables
         WHERE schemaname = 'statistics' AND relname IN ('tallies', 'monthly_tallies')"
}
# write_round: 30 s of writes at 200/s; sets status_writes, status_delay (from publication to the
# aggregates), status_batches (the consumer's time per batch, its handler's statements) and
# status_updates (the aggregates' row updates, and how many in place).
write_round() {
    delay_from || true
    read -r updates_before hot_before <<<"$(aggregate_updates)"
    bench_histogram "$(url statistics)" bus_handler_duration_seconds batch >"$dir/batch_before.txt"
    if "$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --no-vacuum --client=4 --jobs=2 --rate=200 --time=30 \
        --define=people="$people" --file="$root/Benchmarks/statistics/write_event.sql" bench >"$dir/pgbench.txt" 2>&1; then
        status_writes="$(awk '/^number of transactions actually processed/ { print $NF }' "$dir/pgbench.txt") published"
    else
        status_writes="failed: $(tail -3 "$dir/pgbench.txt" | tr '\n' ' ')"
    fi
    status_delay=$(delay_since || echo "not read")
    bench_histogram "$(url statistics)" bus_handler_duration_seconds batch >"$dir/batch_after.txt"
    status_batches=$(bench_quantiles "$dir/batch_before.txt" "$dir/batch_after.txt" batches)
    sleep 2
    read -r updates_after hot_after <<<"$(aggregate_updates)"
    status_updates="$((hot_after - hot_before)) of $((updates_after - updates_before)) row updates in place (HOT)"
}
write_round
measured "statistics writes at 200/s: $status_writes; in the aggregates after $status_delay; handled in $status_batches; $status_updates"
# A second round, which records every statement's time (pg_stat_statements, tracking for this
# round only): where a write's delay goes, statement by statement, with the four running.
log "the statistics' writes at 200/s again, 30s, with pg_stat_statements"
cluster_psql "$port" bench --quiet --command="ALTER SYSTEM SET pg_stat_statements.track = 'top'" --command="SELECT pg_reload_conf()" \
    --command="SELECT pg_stat_statements_reset()" >/dev/null
# EXPLAIN=1: also the plans of that round's statements slower than EXPLAIN_MS (10), with their
# buffers and WAL, from auto_explain (loaded by the cluster, logging for that round only).
if [ "${EXPLAIN:-0}" = 1 ]; then
    cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM SET auto_explain.log_min_duration = '${EXPLAIN_MS:-10}ms'" \
        --command="ALTER SYSTEM SET auto_explain.log_analyze = on" --command="ALTER SYSTEM SET auto_explain.log_buffers = on" \
        --command="ALTER SYSTEM SET auto_explain.log_wal = on" --command="ALTER SYSTEM SET auto_explain.log_timing = off" \
        --command="SELECT pg_reload_conf()" >/dev/null
fi
first_writes=$status_writes first_delay=$status_delay first_batches=$status_batches first_updates=$status_updates
write_round
second_writes=$status_writes second_delay=$status_delay second_batches=$status_batches second_updates=$status_updates
status_writes=$first_writes status_delay=$first_delay status_batches=$first_batches status_updates=$first_updates
sql "SELECT format('%s calls, mean %s ms, total %s ms, %s rows a call, %s: %s', s.calls, round(s.mean_exec_time::numeric, 2),
            round(s.total_exec_time::numeric), round(s.rows::numeric / s.calls, 1), r.rolname,
            left(regexp_replace(s.query, '\s+', ' ', 'g'), 140))
     FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = 'bench' ORDER BY s.total_exec_time DESC LIMIT 15" >"$dir/statements.txt"
cluster_psql "$port" bench --quiet --command="ALTER SYSTEM SET pg_stat_statements.track = 'none'" \
    --command="ALTER SYSTEM RESET auto_explain.log_min_duration" --command="SELECT pg_reload_conf()" >/dev/null
[ "${EXPLAIN:-0}" = 1 ] && cluster_explain_report "$dir" >"$dir/plans.txt"
measured "statistics writes at 200/s, second round: $second_writes; in the aggregates after $second_delay; handled in $second_batches; $second_updates"

log "statistics rebuild while the four services run"
started=$(date +%s.%N)
rebuilt=$(DATABASE_URL="postgresql://statistics@127.0.0.1:$port/bench" "$bin/statistics" rebuild)
rebuild_seconds=$(awk -v start="$started" -v end="$(date +%s.%N)" 'BEGIN { printf "%.1f", end - start }')
measured "rebuild: $rebuild_seconds s ($rebuilt)"

if [ "$standby" = 1 ]; then
    log "a hot standby (pg_basebackup), a second registry and statistics reading from it"
    standby_port=$(cluster_free_port)
    cluster_standby "$port" "$standby_dir" "$standby_port"
    for service in registry statistics; do
        ports[$service-standby]=$(cluster_free_port)
        DATABASE_READ_URL="postgresql://$service@127.0.0.1:$standby_port/bench" bench_serve "$service" "${ports[$service-standby]}"
        pids[$service-standby]=$bench_pid
    done
    sleep 2
    tables() {
        TOKEN=$token PATHS_FILE="$dir/tables.txt" wrk_run -t2 -c4 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/get_paths.lua" "$1"
    }
    declare -A standby_alone standby_mixed standby_writes standby_lag
    for target in primary standby; do
        through=$(url statistics)
        [ "$target" = standby ] && through="http://127.0.0.1:${ports[statistics-standby]}"
        log "national tables reading from the $target, ${wrk_seconds}s"
        before_primary=$(bench_cluster_cpu "$dir")
        before_standby=$(bench_cluster_cpu "$standby_dir")
        standby_alone[$target]="$(tables "$through"); CPU: primary $(awk -v a="$before_primary" -v b="$(bench_cluster_cpu "$dir")" 'BEGIN { printf "%.1f", b - a }') s, standby $(awk -v a="$before_standby" -v b="$(bench_cluster_cpu "$standby_dir")" 'BEGIN { printf "%.1f", b - a }') s"
        log "national tables reading from the $target with registrations on the primary, ${wrk_seconds}s"
        PG_BIN=$PG_BIN "$root/Benchmarks/standby/lag.sh" "$port" >"$dir/lag-$target.txt" &
        sampler=$!
        TOKEN=$token wrk -t2 -c16 -d"${wrk_seconds}s" --latency -s "$root/Benchmarks/registry/create.lua" "$(url registry)" >"$dir/create-$target.txt" &
        writer=$!
        standby_mixed[$target]=$(tables "$through")
        wait "$writer" || echo "failed: $(grep -m1 -o 'status [0-9]*.\{0,120\}' "$dir/create-$target.txt")" >>"$dir/create-$target.txt"
        kill "$sampler" 2>/dev/null
        wait "$sampler" 2>/dev/null || true
        standby_writes[$target]="$(wrk_figures <"$dir/create-$target.txt")$(grep -m1 '^failed' "$dir/create-$target.txt" | sed 's/^/, /' || true)"
        standby_lag[$target]="no samples"
        if [ -s "$dir/lag-$target.txt" ]; then
            standby_lag[$target]="$(sort -n -k1,1 "$dir/lag-$target.txt" | awk '{ v[NR] = $1 } END { printf "median %.3f s, largest %.3f s", v[int((NR + 1) / 2)], v[NR] }'); $(sort -n -k2,2 "$dir/lag-$target.txt" | awk '{ v[NR] = $2 } END { printf "median %d bytes, largest %d bytes (%d samples)", v[int((NR + 1) / 2)], v[NR], NR }')"
        fi
        measured "$target: ${standby_alone[$target]}; mixed ${standby_mixed[$target]}; registrations ${standby_writes[$target]}; lag ${standby_lag[$target]}"
    done
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); yardstick (pgbench select-only, 1 client): $yardstick tps at the start, $yardstick_again before the measurements"
echo "data set: $size, $people people, $events events in the bus log"
echo "database on disk: $database_mib MiB ($(awk -v mib="$database_mib" -v n="$people" 'BEGIN { printf "%.1f", mib * 1024 / n }') KiB a person): $schemas"
echo "generator: $(field requests) requests in $(field seconds) s: $(field requestsPerSecond) requests/s, $(field peoplePerSecond) people/s ($jobs at once)"
echo "  failed: $(field people_failed) people $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("failures", ""))' "$dir/generated.json")"
echo "  wrote: $(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(", ".join(f"{k} {v}" for k, v in d.items() if isinstance(v, int) and k not in ("seed", "requests", "provinces", "communes")))' "$dir/generated.json")"
echo "statistics' consumer after the generation: $caught_up"
echo "registry $search"
echo "treatment $commune_deadlines   (target: p95 <= 20 ms)"
echo "treatment $province_deadlines   (target: p95 <= 100 ms)"
echo "treatment $history   (target: p95 <= 10 ms)"
echo "referrals $matching   (target: p95 <= 20 ms)"
echo "referrals $follow_ups   (target: p95 <= 20 ms)"
echo "statistics $table"
echo "statistics CSV of every commune x indicator x month, $first_year-$last_year: ${csv_median} s (median of 3), $csv_rows rows"
echo "treatment open an episode (wrk -t2 -c16 -d${episode_seconds}s, Benchmarks/post_each.lua): $episodes_opened   (target: >= 500/s)"
echo "referrals make a referral (wrk -t2 -c16 -d${referral_seconds}s, Benchmarks/post_lines.lua): $referrals_made"
echo "referrals the partner's answer (wrk -t2 -c16 -d${answer_seconds}s, Benchmarks/post_each.lua): $referrals_answered   (target: >= 500/s)"
echo "statistics the events of those writes in the aggregates, from publication (bus_event_delay_seconds): episodes $episodes_delay; referrals $referrals_delay; answers $answers_delay   (target at 200 writes/s: p50 <= 10 ms, p99 <= 50 ms)"
echo "statistics writes at 200/s (pgbench -R 200 -c 4 -T 30, Benchmarks/statistics/write_event.sql): $status_writes; in the aggregates after $status_delay   (target: p50 <= 10 ms, p99 <= 50 ms); handled in $status_batches; $status_updates"
echo "  a second round with pg_stat_statements tracking: $second_writes; in the aggregates after $second_delay; handled in $second_batches; $second_updates"
echo "  its statements by total time:"
sed 's/^/    /' "$dir/statements.txt"
if [ "${EXPLAIN:-0}" = 1 ]; then
    echo "  its statements slower than ${EXPLAIN_MS:-10} ms (auto_explain), the slowest of each of the six slowest kinds:"
    sed 's/^/    /' "$dir/plans.txt"
fi
echo "statistics rebuild while the services run: $rebuild_seconds s ($rebuilt)"
if [ "$standby" = 1 ]; then
    for target in primary standby; do
        echo "statistics national tables (wrk -t2 -c4 -d${wrk_seconds}s, Benchmarks/get_paths.lua) reading from the $target: ${standby_alone[$target]}"
        echo "  with registrations on the primary (wrk -t2 -c16, Benchmarks/registry/create.lua): tables ${standby_mixed[$target]}; registrations ${standby_writes[$target]}"
        echo "  the standby's replay lag meanwhile (Benchmarks/standby/lag.sh): ${standby_lag[$target]}"
    done
fi
for service in "${services[@]}"; do
    echo "memory $service: idle ${idle[$service]} MiB, peak while generating ${loaded[$service]} MiB, peak overall $(bench_rss "${pids[$service]}" VmHWM) MiB"
done
if [ "$standby" = 1 ]; then
    for service in registry statistics; do
        echo "memory $service reading from the standby: $(bench_rss "${pids[$service-standby]}") MiB now, peak $(bench_rss "${pids[$service-standby]}" VmHWM) MiB"
    done
fi
