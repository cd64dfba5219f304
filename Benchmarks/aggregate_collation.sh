#!/usr/bin/env bash
# The statistics' aggregates with their keys compared under the database's collation (what
# `initdb` chose: C.UTF-8 here, en_US.UTF-8 in the Compose image) and under "C" (byte by byte,
# migration 0015), in one run on a throwaway PostgreSQL cluster with durable settings:
#
#   Benchmarks/aggregate_collation.sh     (ROWS_PER_KEY=30, BENCH_ROUNDS=3 rounds of BENCH_SECONDS=10)
#
# Two tables shaped like statistics.tallies, `keys_database` and `keys_c`, get the same rows: the
# eighteen measures in each of 3,321 communes (with the measures' own breakdowns) on ROWS_PER_KEY
# days over five years, and in 34 provinces and the country with the person's breakdowns (sex,
# age band, ethnicity with Vietnamese names, substance) on the first of each of 60 months: about
# 4.8 million rows at the default, shuffled (as a rebuild's merge writes them). Then, in rounds
# that alternate the two tables, medians:
#
#  1. building the primary key and the by-parent index on the filled table (a rebuild's index step);
#  2. the live consumer's addition: an upsert of 140 existing keys a statement, sorted, its commit
#     not waiting for the disk (as `TallyStore.add`; pgbench, one client): milliseconds a statement;
#  3. a CSV's read of one measure: its rows in every commune over five years, as
#     `IndicatorStore.monthlyRows` reads them (pgbench, one client): milliseconds a read.
# See BENCHMARKS.md ("The aggregates' key collation").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

per_key=${ROWS_PER_KEY:-30}
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-10}
log() { printf '[collation-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_find_bin
cluster_start_throwaway recovery-collationbench-pg
port=$CLUSTER_PORT
cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM SET fsync = on" --command="ALTER SYSTEM SET synchronous_commit = on" \
    --command="ALTER SYSTEM SET full_page_writes = on" --command="ALTER SYSTEM SET max_wal_size = '4GB'" \
    --command="ALTER SYSTEM SET shared_buffers = '512MB'" >/dev/null
cluster_stop "$CLUSTER_DIR"
cluster_start "$CLUSTER_DIR" "$port"
yardstick=$(cluster_yardstick "$port")
collation=$(cluster_psql "$port" postgres --tuples-only --no-align --command="SHOW lc_collate")
cluster_psql "$port" postgres --quiet --command="CREATE DATABASE bench" >/dev/null
sql() { cluster_psql "$port" bench --tuples-only --no-align --quiet "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pgbench_ms() {
    # Milliseconds a transaction of script $1 (the "latency average" of one client).
    "$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --no-vacuum --protocol=prepared --client=1 \
        --time="$seconds" --file="$1" bench 2>&1 | awk '/^latency average/ { print $4 }'
}

log "generating the rows ($per_key days a commune key)"
sql --command="SELECT setseed(0.24)" --command="
CREATE TABLE measures (measure text, own text[]);
INSERT INTO measures VALUES
    ('under_management', '{}'), ('on_record', '{}'), ('treated_on_record', '{}'),
    ('in_treatment', '{treatment_form:voluntary_community,treatment_form:voluntary_facility,treatment_form:compulsory,treatment_form:methadone,treatment_form:social_protection_centre,place:community,place:facility,place:social_protection_centre}'),
    ('in_aftercare', '{}'), ('determinations', '{result:positive,result:negative}'),
    ('admissions', '{treatment_form:voluntary_community,treatment_form:voluntary_facility,treatment_form:compulsory,treatment_form:methadone,treatment_form:social_protection_centre}'),
    ('compulsory_admissions', '{}'),
    ('facility_completions', '{treatment_form:voluntary_facility,treatment_form:compulsory,treatment_form:social_protection_centre}'),
    ('covered_completions', '{treatment_form:voluntary_facility,treatment_form:compulsory,treatment_form:social_protection_centre}'),
    ('relapses', '{}'), ('loans', '{}'), ('cases_needing_work', '{}'), ('cases_needing_training', '{}'), ('cases_needing_job', '{}'),
    ('counselled_cases', '{}'), ('trained_cases', '{}'), ('job_referred_cases', '{}');
CREATE TABLE breakdowns (dimension text, value text);
INSERT INTO breakdowns VALUES ('', ''), ('sex', 'male'), ('sex', 'female'), ('age_band', 'under_14'), ('age_band', '14_16'),
    ('age_band', '16_18'), ('age_band', '18_30'), ('age_band', '30_plus'), ('ethnicity', 'Kinh'), ('ethnicity', 'Tày'),
    ('ethnicity', 'Thái'), ('ethnicity', 'Mường'), ('ethnicity', 'Khmer'), ('ethnicity', 'H''Mông'), ('ethnicity', 'Nùng'),
    ('ethnicity', 'Dao'), ('ethnicity', 'Gia Rai'), ('ethnicity', 'Ê Đê'), ('substance', 'heroin'), ('substance', 'methamphetamine'),
    ('substance', 'cannabis'), ('substance', 'ketamine'), ('substance', 'other');
CREATE TABLE rows AS
SELECT m.measure, coalesce(split_part(o, ':', 1), '') AS dimension, coalesce(split_part(o, ':', 2), '') AS value,
       lpad(c::text, 5, '0') AS area_code, DATE '2021-01-01' + (d * 1826 / $per_key + abs(hashtext(m.measure || c || coalesce(o, ''))) % (1826 / $per_key)) AS day,
       lpad((c % 34 + 1)::text, 2, '0') AS parent_code
FROM measures m CROSS JOIN generate_series(1, 3321) AS c
CROSS JOIN LATERAL (SELECT NULL::text UNION ALL SELECT unnest(m.own)) AS k(o)
CROSS JOIN generate_series(0, $per_key - 1) AS d
UNION ALL
SELECT m.measure, b.dimension, b.value, a.code, (DATE '2021-01-01' + make_interval(months => mo))::date, a.parent
FROM measures m CROSS JOIN breakdowns b
CROSS JOIN (SELECT lpad(p::text, 2, '0'), 'VN' FROM generate_series(1, 34) AS p UNION ALL SELECT 'VN', 'VN') AS a(code, parent)
CROSS JOIN generate_series(0, 59) AS mo;
CREATE TABLE keys_database (measure text NOT NULL, dimension text NOT NULL, value text NOT NULL, area_code text NOT NULL, day date NOT NULL,
    parent_code text NOT NULL, entered bigint NOT NULL DEFAULT 0, exited bigint NOT NULL DEFAULT 0, exited_first bigint NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000);
CREATE TABLE keys_c (measure text COLLATE \"C\" NOT NULL, dimension text COLLATE \"C\" NOT NULL, value text COLLATE \"C\" NOT NULL,
    area_code text COLLATE \"C\" NOT NULL, day date NOT NULL, parent_code text COLLATE \"C\" NOT NULL, entered bigint NOT NULL DEFAULT 0,
    exited bigint NOT NULL DEFAULT 0, exited_first bigint NOT NULL DEFAULT 0, amount bigint NOT NULL DEFAULT 0)
    WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000);
INSERT INTO keys_database (measure, dimension, value, area_code, day, parent_code, entered)
SELECT * FROM (SELECT *, 1 FROM rows) AS r ORDER BY md5(r::text);
INSERT INTO keys_c SELECT * FROM keys_database;
-- 2,000 batches of 140 existing keys, each sorted (the addition's order).
CREATE TABLE batches AS
SELECT b, array_agg(measure ORDER BY measure, dimension, area_code, value, day) AS measures,
       array_agg(dimension ORDER BY measure, dimension, area_code, value, day) AS dimensions,
       array_agg(value ORDER BY measure, dimension, area_code, value, day) AS vals,
       array_agg(area_code ORDER BY measure, dimension, area_code, value, day) AS areas,
       array_agg(day ORDER BY measure, dimension, area_code, value, day) AS days,
       array_agg(parent_code ORDER BY measure, dimension, area_code, value, day) AS parents
FROM (SELECT (row_number() OVER () - 1) / 140 + 1 AS b, r.* FROM (SELECT * FROM keys_database ORDER BY random() LIMIT 280000) AS r) AS x
GROUP BY b;
CREATE UNIQUE INDEX ON batches (b);
DROP TABLE rows;
ALTER DATABASE bench SET synchronous_commit = off;" --command="VACUUM ANALYZE"
total=$(sql --command="SELECT count(*) FROM keys_database")
log "$total rows in each table"

index_sql() {
    echo "SET client_min_messages = warning; SET maintenance_work_mem = '256MB';
        DROP INDEX IF EXISTS $1_pkey; DROP INDEX IF EXISTS $1_by_parent;
        CREATE UNIQUE INDEX $1_pkey ON $1 (measure, dimension, area_code, value, day);
        CREATE INDEX $1_by_parent ON $1 (measure, dimension, parent_code, day) WHERE length(area_code) = 5;"
}
declare -A build upsert read
for table in keys_database keys_c; do
    cat >"$CLUSTER_DIR/upsert_$table.sql" <<EOF
\set b random(1, 2000)
INSERT INTO $table AS t (measure, dimension, value, area_code, day, parent_code, entered)
SELECT c.*, 1 FROM batches, unnest(measures, dimensions, vals, areas, days, parents) AS c WHERE b = :b
ON CONFLICT (measure, dimension, area_code, value, day) DO UPDATE SET entered = t.entered + excluded.entered;
EOF
    cat >"$CLUSTER_DIR/read_$table.sql" <<EOF
SELECT area_code, value, day - DATE '1970-01-01', entered, exited FROM $table
WHERE measure = 'on_record' AND dimension = '' AND length(area_code) = 5 AND day <= '2025-12-31';
EOF
done
for round in $(seq 1 "$rounds"); do
    for table in keys_database keys_c; do
        started=$(now)
        sql --command="$(index_sql "$table")"
        build[$table]+=" $(elapsed "$started")"
        sql --command="VACUUM ANALYZE $table"
    done
    for table in keys_database keys_c; do
        upsert[$table]+=" $(pgbench_ms "$CLUSTER_DIR/upsert_$table.sql")"
        read[$table]+=" $(pgbench_ms "$CLUSTER_DIR/read_$table.sql")"
    done
    log "round $round: index builds s:${build[keys_database]} /${build[keys_c]}; additions ms:${upsert[keys_database]} /${upsert[keys_c]}; reads ms:${read[keys_database]} /${read[keys_c]}"
done

echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync on; the database's collation $collation; $(nproc) cores"
echo "machine yardstick: pgbench -M prepared -S -c 1 -T 10 on this cluster: $yardstick tps"
echo "$total rows in each table; medians of $rounds rounds, the database's collation / \"C\" (ratio)"
for figure in build upsert read; do
    declare -n values=$figure
    a=$(echo "${values[keys_database]}" | median)
    b=$(echo "${values[keys_c]}" | median)
    case $figure in
    build) what="building the primary key and the by-parent index, s" ;;
    upsert) what="an addition of 140 existing rows (pgbench, 1 client, ${seconds} s), ms" ;;
    read) what="one measure's rows in every commune over five years (pgbench, 1 client, ${seconds} s), ms" ;;
    esac
    echo "$what: $a / $b ($(ratio "$a" "$b")x)   (rounds:${values[keys_database]} /${values[keys_c]})"
    unset -n values
done
