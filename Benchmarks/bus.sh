#!/usr/bin/env bash
# Measures the event bus (Shared/EventBus) on a throwaway PostgreSQL cluster, all in one run:
#
#   Benchmarks/bus.sh   (BENCH_ROUNDS=3 rounds of BENCH_SECONDS=8 per publish measurement)
#
#  1. publish rate of single-event transactions with 1 and 4 connections, next to pgbench running
#     a plain INSERT of the same row into a table like bus.events without the bus (a script file),
#     in alternating rounds, compared by their medians;
#  2. end-to-end throughput: three consumers working off a backlog of 200,000 events;
#  3. the same while another connection holds a read-only transaction open (2 and 3 alternate in
#     rounds too, compared by their medians);
#  4. latency from publishing commit to handler start at 1,000 events per second;
#  5. what a write transaction held open does: events published after it began wait for it.
# See BENCHMARKS.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

seconds=${BENCH_SECONDS:-8}
rounds=${BENCH_ROUNDS:-3}
log() { printf '[bus-bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_find_bin
log "swift build -c release --product bus-benchmark"
swift build -c release --product bus-benchmark >&2
bench="$(swift build -c release --show-bin-path)/bus-benchmark"

cluster_start_throwaway recovery-busbench-pg
pg_dir=$CLUSTER_DIR
port=$CLUSTER_PORT
cluster_psql "$port" postgres --command="CREATE DATABASE bench"
cluster_psql "$port" bench --quiet --file="$root/deploy/sql/setup.sql" >/dev/null 2>&1
url="postgresql://registry@127.0.0.1:$port/bench"
admin="postgresql://postgres@127.0.0.1:$port/bench"

# The plain-insert baseline: the same row into a table shaped like bus.events, no trigger.
cluster_psql "$port" bench --quiet --command="
    CREATE TABLE registry.plain_events (LIKE bus.events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES);
    ALTER TABLE registry.plain_events OWNER TO registry;" >/dev/null
cat >"$pg_dir/plain.sql" <<'SQL'
INSERT INTO registry.plain_events (topic, type, version, key, slot, occurred_at, producer, payload)
VALUES ('registry.bench', 'registry.bench.tick', 1, 's1', 36, now(), 'registry', '{"subject": "s1", "sent_at": 0}');
SQL
plain() {
    local out
    out=$("$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=registry --no-vacuum --file="$pg_dir/plain.sql" \
        --client="$1" --jobs="$2" --time="$seconds" bench 2>&1) || { echo "$out" >&2; return 1; }
    awk '/^tps = .*without initial connection time/ { print $3 }' <<<"$out"
}
value() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Rounds alternate pgbench and the bus so that both see the same drift of the machine.
declare -A plain_rounds bus_rounds
for round in $(seq 1 "$rounds"); do
    for c in 1 4; do
        jobs=$([ "$c" -eq 1 ] && echo 1 || echo 2)
        log "round $round/$rounds: plain INSERT, $c connection(s)"; plain_rounds[$c]+="$(plain "$c" "$jobs") "
        log "round $round/$rounds: bus publish, $c connection(s)"
        bus_rounds[$c]+="$("$bench" publish --url "$url" --seconds "$seconds" --connections "$c" | value rate) "
    done
done
plain1=$(median <<<"${plain_rounds[1]}"); bus1=$(median <<<"${bus_rounds[1]}")
plain4=$(median <<<"${plain_rounds[4]}"); bus4=$(median <<<"${bus_rounds[4]}")
through_rounds=""; read_rounds=""
for round in $(seq 1 "$rounds"); do
    log "round $round/$rounds: throughput, 3 consumers, 200000 events"
    through_rounds+="$("$bench" throughput --url "$url" --admin-url "$admin" --events 200000 --consumers 3 | value min_rate) "
    log "round $round/$rounds: throughput with a read-only transaction open"
    read_rounds+="$("$bench" throughput --url "$url" --admin-url "$admin" --events 200000 --consumers 3 --hold read | value min_rate) "
done
log "latency at 1000 events/s"
latency=$("$bench" latency --url "$url" --rate 1000 --seconds "$seconds")
log "a write transaction held open for 3 s"
stall=$("$bench" stall --url "$url" --events 1000 --seconds 3)

echo
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), fsync off, TCP 127.0.0.1, $rounds rounds of ${seconds}s per publish run (medians)"
for c in 1 4; do echo "publish rounds, $c connection(s): plain ${plain_rounds[$c]}| bus ${bus_rounds[$c]}"; done
echo "throughput rounds: ${through_rounds}| read-only transaction open: ${read_rounds}"
printf '%-44s %12s %12s %8s %10s\n' measurement baseline bus ratio target
ratio() { awk -v b="$2" -v p="$1" 'BEGIN { printf "%.1f%%", 100 * b / p }'; }
printf '%-44s %12.0f %12.0f %8s %10s\n' "publish tx/s, 1 connection" "$plain1" "$bus1" "$(ratio "$plain1" "$bus1")" ">= 80%"
printf '%-44s %12.0f %12.0f %8s %10s\n' "publish tx/s, 4 connections" "$plain4" "$bus4" "$(ratio "$plain4" "$bus4")" ">= 80%"
t=$(median <<<"$through_rounds"); tr=$(median <<<"$read_rounds")
printf '%-44s %12s %12.0f %8s %10s\n' "events/s to each of 3 consumers (200k)" "-" "$t" "-" ">= 10000"
printf '%-44s %12.0f %12.0f %8s %10s\n' "same, read-only transaction open" "$t" "$tr" "$(ratio "$t" "$tr")" ">= 90%"
printf '%-44s %12s %12s %8s %10s\n' "latency p50 ms at 1000/s" "-" "$(echo "$latency" | value p50_ms)" "-" "<= 5"
printf '%-44s %12s %12s %8s %10s\n' "latency p99 ms at 1000/s" "-" "$(echo "$latency" | value p99_ms)" "-" "<= 25"
printf '%-44s %12s %12s %8s %10s\n' "write tx open 3 s: delivered while open" "-" "$(echo "$stall" | value delivered_while_open)" "-" "0 (bound)"
printf '%-44s %12s %12s %8s %10s\n' "  then all 1000 delivered within (ms)" "-" "$(echo "$stall" | value catch_up_ms)" "-" "-"
