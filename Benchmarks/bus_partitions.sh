#!/usr/bin/env bash
# The event log before and after partitioning, each holding EVENTS (10,000,000) events over five
# years, in one run on a throwaway PostgreSQL cluster with durable settings:
#
#   Benchmarks/bus_partitions.sh     (EVENTS=10000000, BENCH_ROUNDS=5 rounds of BENCH_SECONDS=10)
#
# Two databases of the cluster, both set up by deploy/sql/setup.sql: `plain` with the log as it
# was before (Benchmarks/bus/plain_log.sql: one table, retention by batched deletes) and
# `partitioned` with the log of setup.sql, one partition per month of transaction ids (as
# bus.extend_partitions makes them at a million transaction ids a month). Both get the same
# events: 60 months, published 2021-12 to 2026-11, about two events per transaction, a million
# transaction ids a month (the cluster's transaction id epoch is set to 1 first, so that the
# made-up ids are all in the past), and a consumer positioned at the end of each slot. Then:
#
#  1. loading: seconds for the 60 months' inserts; the log's size on disk;
#  2. publishing one event per transaction (pgbench, one client): rate, rounds alternating between
#     the two databases, medians;
#  3. a consumer's claim (ConsumerStore.claimBounds and claim's statements, generic plan, 16 slots
#     x 200 events; on the plain log the statement as it was before partitioning; on the
#     partitioned log also the claim as it was without its bounds) with the events of 2 waiting:
#     rate, rounds alternating, medians; then on the partitioned log the claim with and without
#     its bounds with nothing waiting (each slot at its last event), a live consumer's usual claim;
#  4. reading the whole log in order, as a rebuild replays it: seconds;
#  5. retention of the oldest month (bus.prune until nothing is left to remove): seconds, the WAL
#     it wrote, the log's size before and after; for the plain log also the VACUUM that gives the
#     deleted rows' space back for reuse (the file does not shrink).
# See BENCHMARKS.md ("The event log partitioned").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

events=${EVENTS:-10000000}
rounds=${BENCH_ROUNDS:-5}
seconds=${BENCH_SECONDS:-10}
months=60
per_month=$(((events + months - 1) / months))
log() { printf '[partitions-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_find_bin
cluster_start_throwaway recovery-partitionbench-pg
dir=$CLUSTER_DIR
port=$CLUSTER_PORT
# Transaction id epoch 1: every made-up id below 2^32 is older than the cluster's own.
cluster_stop "$dir"
cluster_as "$PG_BIN/pg_resetwal" --epoch=1 "$dir/data" >/dev/null
cluster_start "$dir" "$port"
cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM SET fsync = on" --command="ALTER SYSTEM SET synchronous_commit = on" \
    --command="ALTER SYSTEM SET full_page_writes = on" --command="ALTER SYSTEM SET max_wal_size = '4GB'" \
    --command="SELECT pg_reload_conf()" >/dev/null
yardstick=$(cluster_yardstick "$port")
sql() { cluster_psql "$port" "$1" --tuples-only --no-align --quiet --command="$2"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
log_size() {
    sql "$1" "SELECT sum(pg_total_relation_size(c.oid))::bigint / 1048576 FROM pg_class c
        WHERE c.oid = 'bus.events'::regclass OR c.oid IN (SELECT relid FROM pg_partition_tree('bus.events'))"
}

# Month m's transaction ids: [1e9 + m * 1e6, 1e9 + (m + 1) * 1e6).
for db in plain partitioned; do
    cluster_psql "$port" postgres --quiet --command="CREATE DATABASE $db" >/dev/null
    cluster_psql "$port" "$db" --quiet --file="$root/deploy/sql/setup.sql" >/dev/null 2>&1
done
cluster_psql "$port" plain --quiet --file="$root/Benchmarks/bus/plain_log.sql" >/dev/null
sql partitioned "DO \$\$ BEGIN FOR m IN 0..$((months - 1)) LOOP
    EXECUTE format('CREATE TABLE bus.%I (LIKE bus.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', 'events_' || (1000000000 + m * 1000000));
    EXECUTE format('ALTER TABLE bus.%I OWNER TO bus_owner', 'events_' || (1000000000 + m * 1000000));
    EXECUTE format('ALTER TABLE bus.events ATTACH PARTITION bus.%I FOR VALUES FROM (%L) TO (%L)',
        'events_' || (1000000000 + m * 1000000), 1000000000 + m * 1000000, 1000000000 + (m + 1) * 1000000);
END LOOP; END \$\$"

declare -A load_s size_mib
for db in plain partitioned; do
    log "$db: loading $((per_month * months)) events ($months months of $per_month)"
    start=$(now)
    for m in $(seq 0 $((months - 1))); do
        sql "$db" "INSERT INTO bus.events (xid, topic, type, version, key, slot, occurred_at, published_at, producer, payload)
            SELECT (1000000000 + $m * 1000000 + (i / 2) * 11)::text::xid8, 'registry.people', 'registry.person.status_changed', 1,
                   k, abs(hashtext(k)) % 64, t, t, 'registry',
                   jsonb_build_object('personId', k, 'status', 'in_treatment', 'communeCode', lpad((i % 3321)::text, 5, '0'),
                       'provinceCode', lpad((i % 34)::text, 2, '0'), 'changedOn', t::date,
                       'reason', 'Quyết định số ' || i || '/QĐ-UBND về việc áp dụng biện pháp cai nghiện')
            FROM generate_series(0, $per_month - 1) AS i
            CROSS JOIN LATERAL (SELECT md5(($m * $per_month + i)::text)::uuid::text AS k,
                timestamptz '2021-12-01 00:00+07' + make_interval(months => $m) + i * make_interval(secs => 2592000.0 / $per_month) AS t) AS e"
    done
    load_s[$db]=$(elapsed "$start")
    # The consumer has handled everything so far: its position is each slot's last event.
    sql "$db" "INSERT INTO bus.consumers (name, topics) VALUES ('registry.bench', '{registry.people}');
        INSERT INTO bus.consumer_slots (consumer, slot, after_xid, after_id)
        SELECT 'registry.bench', s, l.xid, l.id FROM generate_series(0, 63) AS s
        CROSS JOIN LATERAL (SELECT xid, id FROM bus.events WHERE slot = s ORDER BY xid DESC, id DESC LIMIT 1) AS l" >/dev/null
    cluster_psql "$port" "$db" --quiet --command="VACUUM ANALYZE" --command="CHECKPOINT" >/dev/null
    size_mib[$db]=$(log_size "$db")
    log "$db: ${load_s[$db]} s, ${size_mib[$db]} MiB"
done
created=$(sql partitioned "SELECT bus.extend_partitions()")
partitions=$(sql partitioned "SELECT count(*) FROM bus.event_partitions()")
log "partitioned: $partitions partitions ($created made ahead of the cluster's next transaction id)"

cat >"$dir/publish.sql" <<'SQL'
\set k random(1, 1000000)
INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
VALUES ('registry.people', 'registry.person.status_changed', 1, 'p' || :k, :k % 64, now(), 'registry',
        jsonb_build_object('personId', 'p' || :k, 'status', 'in_treatment', 'communeCode', '00001'));
SQL
# ConsumerStore.claimBounds and ConsumerStore.claim's statements, as the consumer runs them (16
# slots, 200 events a slot): the claim reads the log between the bounds the first one read.
cat >"$dir/claim.sql" <<'SQL'
\set offset random(0, 63)
SELECT (SELECT min(s.after_xid) FROM bus.consumer_slots s WHERE s.consumer = 'registry.bench')::text AS lower,
       h.horizon::text AS upper, h.horizon < pg_snapshot_xmax(pg_current_snapshot()) AS held_back
FROM (SELECT bus.publishing_horizon() OFFSET 0) AS h(horizon) \gset
WITH claimed AS (
    SELECT s.slot, s.after_xid, s.after_id FROM bus.consumer_slots s
    CROSS JOIN LATERAL (
        SELECT 1 FROM bus.events e
        WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
          AND e.xid >= (:lower)::xid8 AND e.xid < (:upper)::xid8
        LIMIT 1
    ) AS waiting
    WHERE s.consumer = 'registry.bench' AND s.after_xid >= (:lower)::xid8
    ORDER BY (s.slot + :offset) % 64
    LIMIT 16 FOR UPDATE OF s SKIP LOCKED
)
SELECT e.id, e.xid::text, e.slot, e.topic, e.type, e.version, e.key, e.occurred_at, e.published_at, e.producer,
       e.correlation_id, e.payload::text,
       EXISTS (SELECT 1 FROM bus.held_events h WHERE h.consumer = 'registry.bench' AND h.key = e.key AND h.slot = e.slot)
FROM claimed s
CROSS JOIN LATERAL (
    SELECT * FROM bus.events e
    WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
      AND e.xid >= (:lower)::xid8 AND e.xid < (:upper)::xid8
    ORDER BY e.xid, e.id
    LIMIT 200
) e
ORDER BY e.slot, e.xid, e.id;
SQL
# The claim as it was until the twenty-second session, without the bounds (its horizon read in
# the statement): PostgreSQL opens every partition and its index before pruning them slot by slot.
cat >"$dir/claim_unbounded.sql" <<'SQL'
\set offset random(0, 63)
WITH horizon AS MATERIALIZED (
    SELECT bus.publishing_horizon()
),
claimed AS (
    SELECT s.slot, s.after_xid, s.after_id FROM bus.consumer_slots s
    CROSS JOIN LATERAL (
        SELECT 1 FROM bus.events e
        WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
          AND e.xid < (SELECT * FROM horizon)
        LIMIT 1
    ) AS waiting
    WHERE s.consumer = 'registry.bench'
    ORDER BY (s.slot + :offset) % 64
    LIMIT 16 FOR UPDATE OF s SKIP LOCKED
)
SELECT e.id, e.xid::text, e.slot, e.topic, e.type, e.version, e.key, e.occurred_at, e.published_at, e.producer,
       e.correlation_id, e.payload::text,
       EXISTS (SELECT 1 FROM bus.held_events h WHERE h.consumer = 'registry.bench' AND h.key = e.key AND h.slot = e.slot)
FROM claimed s
CROSS JOIN LATERAL (
    SELECT * FROM bus.events e
    WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)
      AND e.xid < (SELECT * FROM horizon)
    ORDER BY e.xid, e.id
    LIMIT 200
) e
ORDER BY e.slot, e.xid, e.id;
SQL
# The same statement as it was before partitioning (the horizon inline, an EXISTS per slot, no
# lower bound on xid), for the plain log.
cat >"$dir/claim_before.sql" <<'SQL'
\set offset random(0, 63)
WITH horizon AS MATERIALIZED (
    SELECT coalesce(
        (SELECT min(x) FROM pg_snapshot_xip(s) AS x
         WHERE NOT EXISTS (
             SELECT 1 FROM pg_stat_activity a
             WHERE a.backend_xid::text = (x::text::bigint % 4294967296)::text
               AND (a.datname <> current_database() OR NOT has_table_privilege(a.usesysid, 'bus.events', 'INSERT')))),
        pg_snapshot_xmax(s))
    FROM pg_current_snapshot() AS s
),
claimed AS (
    SELECT s.slot, s.after_xid, s.after_id FROM bus.consumer_slots s
    WHERE s.consumer = 'registry.bench'
      AND EXISTS (
          SELECT 1 FROM bus.events e
          WHERE e.slot = s.slot AND (e.xid, e.id) > (s.after_xid, s.after_id)
            AND e.xid < (SELECT * FROM horizon))
    ORDER BY (s.slot + :offset) % 64
    LIMIT 16 FOR UPDATE SKIP LOCKED
)
SELECT e.id, e.xid::text, e.slot, e.topic, e.type, e.version, e.key, e.occurred_at, e.published_at, e.producer,
       e.correlation_id, e.payload::text,
       EXISTS (SELECT 1 FROM bus.held_events h WHERE h.consumer = 'registry.bench' AND h.key = e.key AND h.slot = e.slot)
FROM claimed s
CROSS JOIN LATERAL (
    SELECT * FROM bus.events e
    WHERE e.slot = s.slot AND (e.xid, e.id) > (s.after_xid, s.after_id)
      AND e.xid < (SELECT * FROM horizon)
    ORDER BY e.xid, e.id
    LIMIT 200
) e
ORDER BY e.slot, e.xid, e.id;
SQL
chmod 0644 "$dir/publish.sql" "$dir/claim.sql" "$dir/claim_unbounded.sql" "$dir/claim_before.sql"
bench() {
    local out
    out=$(PGOPTIONS="-c plan_cache_mode=force_generic_plan" "$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres \
        --no-vacuum --protocol=prepared --file="$dir/$2.sql" --client=1 --time="$seconds" "$1" 2>&1) || { echo "$out" >&2; return 1; }
    awk '/^tps = .*without initial connection time/ { printf "%.0f", $3 }' <<<"$out"
}
declare -A publish_rounds claim_rounds
unbounded_rounds=""
for round in $(seq 1 "$rounds"); do
    for db in plain partitioned; do
        log "round $round/$rounds: $db, publishing"
        publish_rounds[$db]+="$(bench "$db" publish) "
    done
done
for db in plain partitioned; do cluster_psql "$port" "$db" --quiet --command="VACUUM ANALYZE bus.events" >/dev/null; done
for round in $(seq 1 "$rounds"); do
    for db in plain partitioned; do
        log "round $round/$rounds: $db, claiming"
        claim_rounds[$db]+="$(bench "$db" "$([ "$db" = plain ] && echo claim_before || echo claim)") "
    done
    log "round $round/$rounds: partitioned, claiming without the bounds"
    unbounded_rounds+="$(bench partitioned claim_unbounded) "
done
# A live consumer's usual claim: nothing waiting (every slot at its last event), so that what a
# claim costs whatever it reads shows: opening the partitions, probing the 64 slots.
sql partitioned "UPDATE bus.consumer_slots s SET (after_xid, after_id) = (
    SELECT e.xid, e.id FROM bus.events e WHERE e.slot = s.slot ORDER BY e.xid DESC, e.id DESC LIMIT 1)
    WHERE s.consumer = 'registry.bench'" >/dev/null
idle_rounds="" idle_unbounded_rounds=""
for round in $(seq 1 "$rounds"); do
    log "round $round/$rounds: partitioned, claiming with nothing waiting, with and without the bounds"
    idle_rounds+="$(bench partitioned claim) "
    idle_unbounded_rounds+="$(bench partitioned claim_unbounded) "
done

declare -A read_s prune_s prune_wal_mib before_mib after_mib vacuum_s removed
for db in plain partitioned; do
    log "$db: reading the whole log in order"
    start=$(now)
    sql "$db" "COPY (SELECT id, xid, slot, topic, type, key, published_at, payload FROM bus.events ORDER BY xid, id) TO '/dev/null'" >/dev/null
    read_s[$db]=$(elapsed "$start")
done
for db in plain partitioned; do
    log "$db: retention of the oldest month"
    before_mib[$db]=$(log_size "$db")
    wal_before=$(sql "$db" "SELECT pg_current_wal_insert_lsn()")
    start=$(now)
    total=0
    while :; do
        n=$(sql "$db" "SELECT bus.prune(now() - (timestamptz '2021-12-01 00:00+07' + interval '1 month'))")
        total=$((total + n))
        if [ "$db" = plain ] && [ "$n" -lt 10000 ]; then break; fi
        if [ "$db" = partitioned ] && [ "$n" -eq 0 ]; then break; fi
    done
    prune_s[$db]=$(elapsed "$start")
    removed[$db]=$total
    prune_wal_mib[$db]=$(sql "$db" "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before') / 1048576.0, 1)")
    if [ "$db" = plain ]; then
        start=$(now)
        cluster_psql "$port" "$db" --quiet --command="VACUUM bus.events" >/dev/null
        vacuum_s[$db]=$(elapsed "$start")
    fi
    after_mib[$db]=$(log_size "$db")
done

p1=$(median <<<"${publish_rounds[plain]}"); p2=$(median <<<"${publish_rounds[partitioned]}")
c1=$(median <<<"${claim_rounds[plain]}"); c2=$(median <<<"${claim_rounds[partitioned]}"); c3=$(median <<<"$unbounded_rounds")
i1=$(median <<<"$idle_rounds"); i2=$(median <<<"$idle_unbounded_rounds")
cat <<EOF
bus_partitions: $((per_month * months)) events over $months months; yardstick (pgbench select-only, 1 client) $yardstick tps
                             plain        partitioned   partitioned/plain
load (s)                     ${load_s[plain]}        ${load_s[partitioned]}        $(ratio "${load_s[partitioned]}" "${load_s[plain]}")
log size (MiB)               ${size_mib[plain]}         ${size_mib[partitioned]}         $(ratio "${size_mib[partitioned]}" "${size_mib[plain]}")
publish (tx/s, median)       $p1          $p2          $(ratio "$p2" "$p1")   rounds: ${publish_rounds[plain]}/ ${publish_rounds[partitioned]}
claim (claims/s, median)     $c1          $c2          $(ratio "$c2" "$c1")   rounds: ${claim_rounds[plain]}/ ${claim_rounds[partitioned]}
  without the bounds         -            $c3          bounded/unbounded $(ratio "$c2" "$c3")   rounds: $unbounded_rounds
claim, nothing waiting       -            $i1          bounded/unbounded $(ratio "$i1" "$i2")   rounds: $idle_rounds
  without the bounds         -            $i2                       rounds: $idle_unbounded_rounds
read whole log in order (s)  ${read_s[plain]}        ${read_s[partitioned]}        $(ratio "${read_s[partitioned]}" "${read_s[plain]}")
retention of a month (s)     ${prune_s[plain]}        ${prune_s[partitioned]}        $(ratio "${prune_s[partitioned]}" "${prune_s[plain]}")   events removed: ${removed[plain]} / ${removed[partitioned]}
  its WAL (MiB)              ${prune_wal_mib[plain]}        ${prune_wal_mib[partitioned]}
  then VACUUM (s)            ${vacuum_s[plain]}        -
  log size before (MiB)      ${before_mib[plain]}         ${before_mib[partitioned]}
  log size after (MiB)       ${after_mib[plain]}         ${after_mib[partitioned]}
partitions: $partitions ($created made ahead)
EOF
