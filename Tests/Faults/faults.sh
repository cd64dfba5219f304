#!/usr/bin/env bash
# Fault injection under load (issue 17): the registry killed with SIGKILL while it takes writes
# (and the treatment service while it records determinations, scenario 5, the referrals service
# while it refers people, 6, and the statistics service while it takes plan targets, 7),
# then PostgreSQL restarted with a fast and with an immediate shutdown, each while clients keep
# registering people; after each, what was acknowledged is checked against the database. Then the
# statistics service stopped while FAULTS_EVENTS (100,000) status changes arrive, and started.
# Then each service sent bodies far over its limit and nested too deep, its memory watched (8).
# Then (as root, which can mount a tmpfs) the disk under registry.people filled and freed.
#
#   Tests/Faults/faults.sh            (FAULTS_SECONDS=20 of load per scenario, FAULTS_CLIENTS=8,
#                                      FAULTS_SCENARIOS="1 5 6 7 2 3 8 4" to choose among those below)
#
# A throwaway cluster with production's durable settings (fsync, synchronous_commit and
# full_page_writes on), the four services (debug builds, `swift build`;
# FAULTS_CONFIGURATION=release for release ones) as their own roles, Tests/Faults/write_load.py as
# the load. Checks after each scenario, failing the script (exit 1) if any does not hold:
#   - every person acknowledged with 201 is in registry.people;
#   - no person is half-written: each has its history row and exactly one registered event;
#   - the statistics service, once caught up, holds each person exactly once;
#   - (5, 6) every determination (referral) acknowledged with 201 is recorded, each with exactly
#     one event, and statistics holds each (and counts each determination once in the country's
#     aggregate); (7) every target acknowledged is set, each with exactly one audit entry;
#   - after a database restart, all four services answer /readyz 200 again within 10 s, having
#     answered 503 meanwhile (polled every 100 ms);
#   - the stopped consumer catches up (its lag, from the positions while it is stopped and from
#     its bus_consumer_lag_events metric after, rises and falls to 0), holds nothing, and every
#     person's status in statistics is the one their last published change gave;
#   - (8) every hostile body is answered 413 (too large) or 400 (too deep), the service's resident
#     memory grows by at most 64 MiB meanwhile, and it is ready after;
#   - with the disk full, writes are refused with 503 (no other error), and succeed again once it
#     is freed, without a restart.
# Prints the figures (requests acknowledged, unanswered, refused; outage and recovery times).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"
# shellcheck source=Benchmarks/service_bench.sh
source "$root/Benchmarks/service_bench.sh"

seconds=${FAULTS_SECONDS:-20}
scenarios=" ${FAULTS_SCENARIOS:-1 5 6 7 2 3 8 4} "
want() { [[ "$scenarios" == *" $1 "* ]]; }
clients=${FAULTS_CLIENTS:-8}
configuration=${FAULTS_CONFIGURATION:-debug}
log() { printf '[faults] %s\n' "$*" >&2; }
failures=0
fail() { log "FAILED: $*"; failures=$((failures + 1)); }

cluster_install_packages
cluster_find_bin
for product in registry statistics treatment referrals; do swift build -c "$configuration" --product "$product" >&2; done
bin="$(swift build -c "$configuration" --show-bin-path)"

bench_cluster recovery-faults-pg
registry_port=$(cluster_free_port)
statistics_port=$(cluster_free_port)
registry_base="http://127.0.0.1:$registry_port"
statistics_base="http://127.0.0.1:$statistics_port"
export LOG_FORMAT=text LOG_LEVEL=warning HOST=127.0.0.1
treatment_port=$(cluster_free_port)
referrals_port=$(cluster_free_port)
# Keeps the script's status through the clean-up (which reads $? itself).
trap 'rc=$?; set +e; kill ${registry:-} ${statistics:-} ${treatment:-} ${referrals:-} 2>/dev/null; wait ${registry:-} ${statistics:-} ${treatment:-} ${referrals:-} 2>/dev/null; (exit $rc); cluster_cleanup_throwaway' EXIT
bench_serve registry "$registry_port"
registry=$bench_pid
bench_serve statistics "$statistics_port"
statistics=$bench_pid
# Treatment and referrals take no load here; they are checked to come back after a database restart.
bench_serve treatment "$treatment_port"
treatment=$bench_pid
bench_serve referrals "$referrals_port"
referrals=$bench_pid
declare -A ready_url=(
    [registry]="$registry_base/readyz" [statistics]="$statistics_base/readyz"
    [treatment]="http://127.0.0.1:$treatment_port/readyz" [referrals]="http://127.0.0.1:$referrals_port/readyz"
)
token=$(python3 "$root/Benchmarks/registry/http_bench.py" token "$registry_base" perf "$bench_password")
sql() { cluster_psql "$port" bench --tuples-only --no-align --command="$1"; }
# load_acked TABLE COLUMN FILE: public.TABLE (COLUMN) holds exactly the lines of FILE.
load_acked() {
    sql "CREATE TABLE IF NOT EXISTS public.$1 ($2)" >/dev/null
    sql "TRUNCATE public.$1" >/dev/null
    cluster_psql "$port" bench --quiet --command="\\copy public.$1 FROM '$3'" >/dev/null
}

# check NAME ACKED_FILE: the acknowledged people are all there and whole, once in statistics.
check() {
    local name=$1 acked=$2 count missing half duplicated in_statistics
    load_acked acked "id uuid" "$acked"
    count=$(sql "SELECT count(DISTINCT id) FROM public.acked")
    missing=$(sql "SELECT count(*) FROM (SELECT DISTINCT id FROM public.acked) a WHERE NOT EXISTS (SELECT 1 FROM registry.people p WHERE p.id = a.id)")
    half=$(sql "SELECT count(*) FROM registry.people p WHERE NOT EXISTS (SELECT 1 FROM registry.person_changes c WHERE c.person_id = p.id)
                OR (SELECT count(*) FROM bus.events e WHERE e.type = 'registry.person.registered' AND e.key = p.id::text) <> 1")
    # The statistics consumer catches up: wait until it holds as many people as the registry.
    local people statistics_people _
    people=$(sql "SELECT count(*) FROM registry.people")
    for _ in $(seq 1 120); do
        statistics_people=$(sql "SELECT count(*) FROM statistics.people")
        [ "$statistics_people" = "$people" ] && break
        sleep 0.5
    done
    in_statistics=$(sql "SELECT count(*) FROM registry.people p JOIN statistics.people s ON s.person_id = p.id")
    duplicated=$(sql "SELECT count(*) FROM (SELECT person_id FROM statistics.people GROUP BY 1 HAVING count(*) > 1) d")
    log "$name: $count acknowledged, $missing of them missing; $people people in the registry, $half half-written; statistics holds $statistics_people ($in_statistics matched, $duplicated twice)"
    [ "$missing" = 0 ] || fail "$name: $missing acknowledged people are missing"
    [ "$half" = 0 ] || fail "$name: $half people half-written"
    [ "$in_statistics" = "$people" ] && [ "$statistics_people" = "$people" ] || fail "$name: statistics holds $statistics_people, the registry $people"
    [ "$duplicated" = 0 ] || fail "$name: $duplicated people counted twice"
}

# kill_under_load SERVICE PORT: after 5 s of the load, kills the service (its pid in the variable
# named SERVICE) with SIGKILL, starts it again 1 s later and logs how long it was away.
kill_under_load() {
    local -n service_pid=$1
    local killed_at
    sleep 5
    kill -KILL "$service_pid"
    wait "$service_pid" 2>/dev/null || true
    killed_at=$(date +%s.%N)
    sleep 1
    bench_serve "$1" "$2"
    service_pid=$bench_pid
    log "$1 serving again $(awk "BEGIN { print $(date +%s.%N) - $killed_at }") s after the kill (1 s of it waiting)"
}

# --- 1. the registry killed with SIGKILL under load ---------------------------------------------
if want 1; then
log "scenario 1: SIGKILL of the registry after 5 s of $clients clients writing, restart, $seconds s in all"
acked1=$dir/acked-1.txt
: >"$acked1"
python3 "$root/Tests/Faults/write_load.py" "$registry_base" "$token" "$seconds" "$clients" "$acked1" "Kill" >"$dir/load-1.json" &
load=$!
kill_under_load registry "$registry_port"
wait "$load"
log "load: $(cat "$dir/load-1.json")"
check "SIGKILL" "$acked1"
fi

# check_recorded NAME ACKED_FILE TABLE EVENT_TYPE EVENT_ID_FIELD STATISTICS_TABLE STATISTICS_ID [MEASURE]:
# every id acknowledged in ACKED_FILE is in TABLE; each row of TABLE has exactly one EVENT_TYPE event
# (whose payload names it in EVENT_ID_FIELD); the statistics service, once caught up, holds each in
# STATISTICS_TABLE and, with MEASURE, counts each once in the country's aggregate.
check_recorded() {
    local name=$1 acked=$2 table=$3 type=$4 field=$5 statistics_table=$6 statistics_id=$7 measure=${8:-}
    local acknowledged missing half recorded counted tallied="-" _
    load_acked acked_ids "id uuid" "$acked"
    acknowledged=$(sql "SELECT count(DISTINCT id) FROM public.acked_ids")
    missing=$(sql "SELECT count(*) FROM (SELECT DISTINCT id FROM public.acked_ids) a WHERE NOT EXISTS (SELECT 1 FROM $table r WHERE r.id = a.id)")
    # Payloads carry ids in upper case (Foundation's uuidString).
    half=$(sql "SELECT count(*) FROM $table r LEFT JOIN (
                    SELECT lower(payload->>'$field') AS id, count(*) AS n FROM bus.events WHERE type = '$type' GROUP BY 1) e ON e.id = r.id::text
                WHERE coalesce(e.n, 0) <> 1")
    recorded=$(sql "SELECT count(*) FROM $table")
    for _ in $(seq 1 120); do
        counted=$(sql "SELECT count(*) FROM $statistics_table s WHERE EXISTS (SELECT 1 FROM $table r WHERE r.id = s.$statistics_id)")
        [ "$counted" = "$recorded" ] && break
        sleep 0.5
    done
    sleep 1
    if [ -n "$measure" ]; then
        tallied=$(sql "SELECT coalesce(sum(entered), 0) FROM statistics.tallies WHERE measure = '$measure' AND dimension = '' AND area_code = 'VN'")
    fi
    log "$name: $acknowledged acknowledged, $missing of them missing; $recorded recorded, $half without exactly one event; statistics holds $counted, the country's aggregate $tallied"
    [ "$missing" = 0 ] || fail "$name: $missing acknowledged are missing"
    [ "$half" = 0 ] || fail "$name: $half without exactly one event"
    [ "$counted" = "$recorded" ] || fail "$name: statistics holds $counted of $recorded"
    [ -z "$measure" ] || [ "$tallied" = "$recorded" ] || fail "$name: statistics counts $tallied of $recorded"
}

# people_for NUMBER: a file of up to 500 registered people (a few registered first when there are none).
people_for() {
    if [ "$(sql "SELECT count(*) FROM registry.people")" -lt 50 ]; then
        python3 "$root/Tests/Faults/write_load.py" "$registry_base" "$token" 3 2 "$dir/seeded-$1.txt" "Seed$1" >/dev/null
    fi
    sql "SELECT id FROM registry.people ORDER BY id LIMIT 500" >"$dir/people-$1.txt"
    echo "$dir/people-$1.txt"
}

# --- 5. the treatment service killed with SIGKILL under its own load ----------------------------
if want 5; then
log "scenario 5: SIGKILL of the treatment service after 5 s of $clients clients recording determinations, restart, $seconds s in all"
people5=$(people_for 5)
acked5=$dir/acked-5.txt
: >"$acked5"
python3 "$root/Tests/Faults/write_load.py" "http://127.0.0.1:$treatment_port" "$token" "$seconds" "$clients" "$acked5" "Kill" \
    determinations "$people5" >"$dir/load-5.json" &
load=$!
kill_under_load treatment "$treatment_port"
wait "$load"
log "load: $(cat "$dir/load-5.json")"
check_recorded "SIGKILL of treatment" "$acked5" treatment.determinations treatment.determination.recorded determinationId \
    statistics.determinations determination_id determinations
fi

# --- 6. the referrals service killed with SIGKILL under its own load ----------------------------
if want 6; then
log "scenario 6: SIGKILL of the referrals service after 5 s of $clients clients referring people to a partner, restart, $seconds s in all"
people6=$(people_for 6)
partner=$(curl -fsS -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    -d '{"name":"Trung tâm Dịch vụ việc làm (thử lỗi)","kind":"employment_centre","provinceCode":"01","phone":"024 3823 1234"}' \
    "http://127.0.0.1:$referrals_port/v1/partners" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
acked6=$dir/acked-6.txt
: >"$acked6"
python3 "$root/Tests/Faults/write_load.py" "http://127.0.0.1:$referrals_port" "$token" "$seconds" "$clients" "$acked6" "Kill" \
    referrals "$people6" "$partner" >"$dir/load-6.json" &
load=$!
kill_under_load referrals "$referrals_port"
wait "$load"
log "load: $(cat "$dir/load-6.json")"
check_recorded "SIGKILL of referrals" "$acked6" referrals.referrals referrals.referral.changed referralId statistics.referrals referral_id
fi

# --- 7. the statistics service killed with SIGKILL under its own load ---------------------------
if want 7; then
log "scenario 7: SIGKILL of the statistics service after 5 s of $clients clients setting plan targets, restart, $seconds s in all"
pairs7=$dir/pairs-7.txt
sql "SELECT i.id || '/' || u.code FROM unnest(ARRAY['treated_share', 'compulsory_share', 'aftercare_coverage', 'relapse_rate',
         'people_under_management', 'loans']) AS i(id)
     CROSS JOIN (SELECT code FROM registry.admin_units WHERE generation = '2025' AND level = 'commune' AND province_code = '01') u
     ORDER BY 1" >"$pairs7"
acked7=$dir/acked-7.txt
: >"$acked7"
python3 "$root/Tests/Faults/write_load.py" "$statistics_base" "$token" "$seconds" "$clients" "$acked7" "Kill" targets "$pairs7" \
    >"$dir/load-7.json" &
load=$!
kill_under_load statistics "$statistics_port"
wait "$load"
log "load: $(cat "$dir/load-7.json")"
# Every acknowledged target is set, and every target set has exactly one audit entry.
load_acked acked_targets "target text" "$acked7"
acknowledged=$(sql "SELECT count(DISTINCT target) FROM public.acked_targets")
missing=$(sql "SELECT count(*) FROM (SELECT DISTINCT target FROM public.acked_targets) a WHERE NOT EXISTS (
                   SELECT 1 FROM statistics.targets t WHERE t.indicator || '/' || t.area_code || '/' || t.year = a.target AND t.minimum = 50)")
recorded=$(sql "SELECT count(*) FROM statistics.targets")
half=$(sql "SELECT count(*) FROM statistics.targets t LEFT JOIN (
                SELECT resource_id, count(*) AS n FROM audit.entries WHERE resource = 'target' AND action = 'set' GROUP BY 1) e
                ON e.resource_id = t.indicator || '/' || t.area_code || '/' || t.year
            WHERE coalesce(e.n, 0) <> 1")
log "SIGKILL of statistics: $acknowledged acknowledged, $missing of them missing; $recorded set, $half without exactly one audit entry"
[ "$missing" = 0 ] || fail "statistics: $missing acknowledged targets are missing"
[ "$half" = 0 ] || fail "statistics: $half targets without exactly one audit entry"
fi

# --- 2. PostgreSQL restarted, fast then immediate, under load -----------------------------------
# outage MODE: restarts the cluster with that shutdown mode while polling every service's /readyz
# every 100 ms; prints whether each answered 503 during the outage and how long after the
# database was back each answered 200.
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
outage() {
    local mode=$1 back="" restart_pid started service pending summary=""
    local -A ready=() saw=()
    started=$(now)
    rm -f "$dir/back"
    (
        cluster_as "$PG_BIN/pg_ctl" restart --pgdata="$dir/data" --mode="$mode" --wait --timeout=60 --silent \
            --log="$dir/postgres.log" -o "-p $port" && now >"$dir/back"
    ) &
    restart_pid=$!
    while :; do
        if [ -z "$back" ] && ! kill -0 "$restart_pid" 2>/dev/null; then
            wait "$restart_pid" || fail "$mode restart: pg_ctl failed"
            back=$(cat "$dir/back" 2>/dev/null || now)
        fi
        pending=0
        for service in registry statistics treatment referrals; do
            [ -n "${ready[$service]:-}" ] && continue
            if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "${ready_url[$service]}")" = 200 ]; then
                [ -n "$back" ] && ready[$service]=$(calc "$(now) - $back")
            else
                saw[$service]=1
            fi
            [ -n "${ready[$service]:-}" ] || pending=1
        done
        [ "$pending" = 0 ] && break
        awk "BEGIN { exit !($(now) - $started > 60) }" && break
        sleep 0.1
    done
    for service in registry statistics treatment referrals; do
        summary+=" $service ${ready[$service]:-never} s (outage seen on /readyz: ${saw[$service]:-0});"
        awk "BEGIN { exit !(${ready[$service]:-99} <= 10) }" || fail "$mode restart: $service was not ready within 10 s of the database"
        [ "${saw[$service]:-0}" = 1 ] || fail "$mode restart: $service's /readyz did not show the outage"
    done
    log "$mode restart: the database was back $(calc "$back - $started") s after the restart began; ready after that:$summary"
}

want 2 && for mode in fast immediate; do
    log "scenario 2 ($mode): PostgreSQL restarted after 5 s of $clients clients writing, $seconds s in all"
    acked2=$dir/acked-$mode.txt
    : >"$acked2"
    python3 "$root/Tests/Faults/write_load.py" "$registry_base" "$token" "$seconds" "$clients" "$acked2" "Restart-$mode" >"$dir/load-$mode.json" &
    load=$!
    sleep 5
    outage "$mode"
    wait "$load"
    log "load: $(cat "$dir/load-$mode.json")"
    check "restart $mode" "$acked2"
done

# --- 3. the statistics consumer stopped while FAULTS_EVENTS events arrive -------------------------
events=${FAULTS_EVENTS:-100000}
lag_sql="SELECT (SELECT count(*) FROM bus.consumer_slots s JOIN bus.events e ON e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
                  WHERE s.consumer = c.name AND e.topic = ANY(c.topics)) FROM bus.consumers c WHERE c.name = 'statistics.counts'"
if want 3; then
log "scenario 3: the statistics service stopped while $events status changes are published (10 batches), then started"
kill -TERM "$statistics"
wait "$statistics" 2>/dev/null || true
rising=()
for batch in $(seq 1 10); do
    # As the registry publishes a status change (the same contract), for people on record, with
    # the wake-up; straight into the log, as fast as the database takes them.
    sql "WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM registry.people),
              c AS (SELECT count(*) AS c FROM p)
         INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
         SELECT 'registry.person', 'registry.person.status_changed', 1, p.id::text, (abs(hashtext(p.id::text)) % 64)::smallint, now(), 'registry',
                jsonb_build_object('personId', p.id, 'status', CASE WHEN (g + $batch) % 2 = 0 THEN 'addicted' ELSE 'drug_user' END,
                                   'validFrom', current_date, 'communeCode', '00004')
         FROM generate_series(0, $((events / 10)) - 1) AS g JOIN p ON p.n = g % (SELECT c FROM c)" >/dev/null
    rising+=("$(sql "$lag_sql")")
done
sql "SELECT pg_notify('bus_events', 'registry.person')" >/dev/null
log "lag while stopped, after each batch (from the consumer positions): ${rising[*]}"
caught_started=$(now)
bench_serve statistics "$statistics_port"
statistics=$bench_pid
falling=()
caught_up=""
for _ in $(seq 1 1200); do
    metric=$(curl -s "$statistics_base/metrics" | awk '/^bus_consumer_lag_events\{consumer="statistics.counts"\}/ { print $2 }' || true)
    falling+=("${metric:--}")
    if [ "$(sql "$lag_sql")" = 0 ]; then
        caught_up=$(calc "$(now) - $caught_started")
        break
    fi
    sleep 0.5
done
# Each value once, in order (the gauge is refreshed every few seconds).
log "lag after the start, bus_consumer_lag_events (each new value of the gauge, sampled every 0.5 s): $(printf '%s\n' "${falling[@]}" | uniq | tr '\n' ' ')0"
log "caught up ${caught_up:-never} s after the start (the service's start-up included)"
[ -n "$caught_up" ] || fail "the consumer did not catch up within 10 minutes"
held=$(sql "SELECT count(*) FROM bus.held_events WHERE consumer = 'statistics.counts'")
# Every person's status today is the one its last published change gave: nothing lost, none applied out of order.
wrong=$(sql "WITH last AS (SELECT DISTINCT ON (key) key, payload->>'status' AS status FROM bus.events
                           WHERE type = 'registry.person.status_changed' ORDER BY key, xid DESC, id DESC)
             SELECT count(*) FROM last l LEFT JOIN statistics.statuses s ON s.person_id = l.key::uuid AND s.valid_from = current_date
             WHERE s.status IS DISTINCT FROM l.status")
log "consumer: $held events held or dead; $wrong people whose status in statistics is not their last change's"
[ "$held" = 0 ] || fail "$held events held or dead"
[ "$wrong" = 0 ] || fail "$wrong people with another status in statistics than their last change's"
fi

# --- 8. bodies far over the limit and nested too deep, against each service's memory ----------
# Each service takes 8 clients x 3 rounds of a 32 MiB body with its length, 32 MiB streamed in
# chunks without one, and an array nested 100,000 deep (Tests/Faults/hostile_bodies.py), at a
# write it takes; its resident memory is sampled every 50 ms meanwhile. Held whole, the large
# bodies in flight at once would add 256 MiB.
hostile_mib=32
declare -A hostile_write=(
    [registry]="POST $registry_base/v1/facilities" [treatment]="POST http://127.0.0.1:$treatment_port/v1/regimes"
    [referrals]="POST http://127.0.0.1:$referrals_port/v1/partners" [statistics]="PUT $statistics_base/v1/targets/determinations/01/2026"
)
if want 8; then
    log "scenario 8: bodies of $hostile_mib MiB and nested 100,000 deep, 8 clients x 3 rounds, at each service's writes"
    for service in registry treatment referrals statistics; do
        read -r method target <<<"${hostile_write[$service]}"
        pid=${!service}
        before=$(bench_rss "$pid")
        python3 "$root/Tests/Faults/hostile_bodies.py" "${target%%/v1/*}" "$token" "$method" "/v1/${target#*/v1/}" "$hostile_mib" 8 3 \
            >"$dir/hostile-$service.json" &
        load=$!
        peak=$before
        while kill -0 "$load" 2>/dev/null; do
            rss=$(bench_rss "$pid")
            [ "$rss" -gt "$peak" ] && peak=$rss
            sleep 0.05
        done
        wait "$load"
        after=$(bench_rss "$pid")
        ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${ready_url[$service]}")
        log "$service: $(cat "$dir/hostile-$service.json"); resident memory $before MiB before, at most $peak MiB meanwhile, $after MiB after; /readyz $ready"
        python3 - "$dir/hostile-$service.json" <<'PY' || fail "$service: a hostile body was not refused with 413 (size) or 400 (nesting)"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["statuses"]
ok = set(s["declared"]) == {"413"} and set(s["chunked"]) == {"413"} and set(s["nested"]) == {"400"} and d["unanswered"] == 0
sys.exit(0 if ok else 1)
PY
        [ "$((peak - before))" -le 64 ] || fail "$service: resident memory grew by $((peak - before)) MiB under the hostile bodies (at most 64)"
        [ "$ready" = 200 ] || fail "$service: /readyz answered $ready after the hostile bodies"
    done
fi

# --- 4. the disk under the people's table full, then freed -----------------------------------------
# registry.people moved to a tablespace on a small tmpfs filled to its last megabyte: writes fail
# for want of space, then a filler file is removed and they succeed again, without a restart.
small=$dir/small-disk
mkdir -p "$small"
if ! want 4; then
    :
elif [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=48m tmpfs "$small" 2>/dev/null; then
    log "scenario 4 skipped: mounting a small tmpfs needs root (run as root to include it)"
else
    trap 'rc=$?; set +e; kill ${registry:-} ${statistics:-} ${treatment:-} ${referrals:-} 2>/dev/null; wait ${registry:-} ${statistics:-} ${treatment:-} ${referrals:-} 2>/dev/null; umount -l "$small" 2>/dev/null; (exit $rc); cluster_cleanup_throwaway' EXIT
    log "scenario 4: registry.people on a 48 MiB disk filled to its end, $clients clients writing for $seconds s, the disk freed after half of it"
    mkdir -p "$small/space"
    chown "$(cluster_owner)" "$small/space"
    sql "CREATE TABLESPACE small_disk LOCATION '$small/space'" >/dev/null
    sql "ALTER TABLE registry.people SET TABLESPACE small_disk" >/dev/null
    # Leave 64 KiB: the table's next few extensions fail.
    free_kib=$(df -k --output=avail "$small" | tail -1)
    dd if=/dev/zero of="$small/filler" bs=1024 count=$((free_kib - 64)) status=none 2>/dev/null || true
    log "the small disk has $(df -k --output=avail "$small" | tail -1) KiB free"
    acked4=$dir/acked-disk.txt
    : >"$acked4"
    python3 "$root/Tests/Faults/write_load.py" "$registry_base" "$token" "$seconds" "$clients" "$acked4" "Disk" >"$dir/load-disk.json" &
    load=$!
    sleep "$((seconds / 2))"
    full_statuses=$(grep -c "No space left on device" "$dir/postgres.log" || true)
    rm -f "$small/filler"
    freed=$(now)
    wait "$load"
    log "load: $(cat "$dir/load-disk.json")"
    log "the server logged $full_statuses 'No space left on device' errors before the disk was freed"
    # The last refusal before the disk was freed, and the first acknowledgement after it.
    refused=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['statuses'].get('503', 0))" "$dir/load-disk.json")
    others=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['statuses']; print(sum(v for k, v in d.items() if k != '503'))" "$dir/load-disk.json")
    [ "$refused" -gt 0 ] || fail "disk full: no write was refused with 503 (was the disk full?)"
    [ "$others" = 0 ] || fail "disk full: $others writes answered with another status than 201 or 503"
    check "disk full" "$acked4"
    recovered=$(sql "SELECT count(*) FROM registry.people WHERE created_at >= to_timestamp($freed)")
    log "disk full: $refused writes refused with 503 while full; $recovered people registered after the disk was freed"
    [ "$recovered" -gt 0 ] || fail "disk full: no write succeeded after the disk was freed"
    sql "ALTER TABLE registry.people SET TABLESPACE pg_default" >/dev/null
    sql "DROP TABLESPACE small_disk" >/dev/null
    umount -l "$small" 2>/dev/null || true
fi

if [ "$failures" -gt 0 ]; then
    kept=$(mktemp -d /tmp/recovery-faults-logs.XXXXXX)
    cp "$dir"/*.log "$dir"/*.json "$dir"/*.txt "$kept"/ 2>/dev/null || true
    log "$failures checks failed (logs kept in $kept)"
    exit 1
fi
log "every check held"
