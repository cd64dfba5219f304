#!/usr/bin/env bash
# Compares the project's libpq client with pgbench on the same read-only point query.
#
#   Benchmarks/run.sh        (BENCH_ROUNDS=5 rounds of BENCH_SECONDS=10 per client and concurrency)
#
# Starts a throwaway PostgreSQL cluster (fsync off, the same server for both sides) on a free port
# of 127.0.0.1, loads `pgbench -i -s $BENCH_SCALE` (10) into database bench, then for concurrency
# 1 and 4 runs `pgbench -M prepared -S -j N` (a thread per connection) and the Swift
# `client-benchmark` with `DATABASE_IO_THREADS=N` (an I/O thread per connection) (built as the
# service images are, with the Swift runtime linked in: `swift build -c release
# --static-swift-stdlib --product client-benchmark --scratch-path .build/static`) in alternating
# rounds, over TCP, and prints
# every round and the medians: the Swift client's share of pgbench's rate against the 85% target.
#
# BENCH_PGBENCH_ONLY=1 skips the Swift clients (no build); CLIENT_BENCHMARK=/path uses that binary
# instead of building one. BENCH_PEER=1 (the default) also runs the Swift peer, postgres-nio
# (`Benchmarks/PostgresNIOPeer`, a package of its own built here with `swift build -c release`, a
# few minutes the first time), in the same rounds; BENCH_PEER=0 leaves it out; PEER_BENCHMARK=/path
# uses that binary.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-5}
scale=${BENCH_SCALE:-10}
pgbench_only=${BENCH_PGBENCH_ONLY:-0}
with_peer=${BENCH_PEER:-1}
[ "$pgbench_only" = 1 ] && with_peer=0
target=85

log() { printf '[bench] %s\n' "$*" >&2; }

cluster_install_packages
cluster_find_bin

# Build first: a failed build stops here, before any server is started.
client=${CLIENT_BENCHMARK:-}
if [ "$pgbench_only" != 1 ] && [ -z "$client" ]; then
    command -v swift >/dev/null 2>&1 || { log "error: swift is not on PATH"; exit 1; }
    log "swift build -c release --static-swift-stdlib --product client-benchmark --scratch-path .build/static"
    if ! swift build -c release --static-swift-stdlib --product client-benchmark --scratch-path "$root/.build/static"; then
        log "error: the Swift build of client-benchmark failed (BENCH_PGBENCH_ONLY=1 runs pgbench alone)"
        exit 1
    fi
    client="$(swift build -c release --static-swift-stdlib --scratch-path "$root/.build/static" --show-bin-path)/client-benchmark"
fi
if [ "$pgbench_only" != 1 ] && [ ! -x "$client" ]; then
    log "error: $client is not an executable"
    exit 1
fi
peer=${PEER_BENCHMARK:-}
if [ "$with_peer" = 1 ] && [ -z "$peer" ]; then
    log "swift build -c release --package-path Benchmarks/PostgresNIOPeer"
    if ! swift build -c release --package-path "$root/Benchmarks/PostgresNIOPeer"; then
        log "error: the build of the postgres-nio peer failed (BENCH_PEER=0 leaves it out)"
        exit 1
    fi
    peer="$(swift build -c release --package-path "$root/Benchmarks/PostgresNIOPeer" --show-bin-path)/PostgresNIOPeer"
fi

cluster_start_throwaway recovery-bench-pg
pg_dir=$CLUSTER_DIR
port=$CLUSTER_PORT
url="postgresql://postgres@127.0.0.1:$port/bench"
pgbench=("$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres)

cluster_psql "$port" postgres --command="CREATE DATABASE bench"
log "pgbench -i -s $scale"
"${pgbench[@]}" --initialize --scale="$scale" --quiet bench >"$pg_dir/pgbench-init.log" 2>&1 || {
    cat "$pg_dir/pgbench-init.log" >&2
    exit 1
}
cluster_psql "$port" bench --command="VACUUM ANALYZE"

# run_pgbench CLIENTS THREADS: prints tps (without initial connection time).
run_pgbench() {
    local out
    out=$("${pgbench[@]}" --protocol=prepared --select-only --client="$1" --jobs="$2" \
        --time="$seconds" --no-vacuum bench 2>&1) || { echo "$out" >&2; return 1; }
    awk '/^tps = .*without initial connection time/ { print $3 }' <<<"$out"
}

# run_client CONCURRENCY: prints qps from the line "swift-client concurrency=N qps=X"; keeps the
# I/O threads' context switches per query ("voluntary/involuntary") in $pg_dir/switches.
run_client() {
    local out
    # One I/O thread per connection unless DATABASE_IO_THREADS says otherwise, as pgbench runs one
    # thread per connection (`--jobs`): see BENCHMARKS.md for why both sides do.
    out=$(DATABASE_IO_THREADS="${DATABASE_IO_THREADS:-$1}" "$client" --url "$url" --seconds "$seconds" --concurrency "$1") || {
        echo "$out" >&2
        return 1
    }
    echo "$out" | sed -n 's/^swift-client io-switches voluntary=\([0-9.]*\) involuntary=\([0-9.]*\).*$/\1\/\2/p' >"$pg_dir/switches"
    echo "$out" | sed -n 's/^swift-client concurrency=[0-9]* qps=\([0-9.eE+-]*\).*$/\1/p' | tail -n 1
}

# run_peer CONCURRENCY: prints qps from the line "postgres-nio concurrency=N qps=X".
run_peer() {
    local out
    out=$("$peer" --url "$url" --seconds "$seconds" --concurrency "$1") || { echo "$out" >&2; return 1; }
    echo "$out" | sed -n 's/^postgres-nio concurrency=[0-9]* qps=\([0-9.eE+-]*\).*$/\1/p' | tail -n 1
}

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Rounds alternate pgbench and the client, so that both see the same drift of the machine (a
# virtual machine's neighbours, the CPU's clock); the medians are compared.
declare -A tps qps nio rounds_tps rounds_qps rounds_nio rounds_switches
for c in 1 4; do
    jobs=$c
    for round in $(seq 1 "$rounds"); do
        log "round $round/$rounds: pgbench -M prepared -S -c $c -j $jobs -T $seconds"
        t=$(run_pgbench "$c" "$jobs")
        [ -n "$t" ] || { log "error: no tps line from pgbench"; exit 1; }
        rounds_tps[$c]+="$t "
        if [ "$pgbench_only" != 1 ]; then
            log "round $round/$rounds: client-benchmark --concurrency $c --seconds $seconds"
            q=$(run_client "$c")
            [ -n "$q" ] || { log "error: no 'swift-client concurrency=$c qps=' line from client-benchmark"; exit 1; }
            rounds_qps[$c]+="$q "
            rounds_switches[$c]+="$(cat "$pg_dir/switches") "
        fi
        if [ "$with_peer" = 1 ]; then
            log "round $round/$rounds: postgres-nio peer --concurrency $c --seconds $seconds"
            n=$(run_peer "$c")
            [ -n "$n" ] || { log "error: no 'postgres-nio concurrency=$c qps=' line from the peer"; exit 1; }
            rounds_nio[$c]+="$n "
        fi
    done
    tps[$c]=$(median <<<"${rounds_tps[$c]}")
    qps[$c]=$(median <<<"${rounds_qps[$c]:-}")
    nio[$c]=$(median <<<"${rounds_nio[$c]:-}")
done

echo
echo "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}'), pgbench scale $scale, $rounds rounds of ${seconds}s per client, TCP 127.0.0.1, fsync off"
for c in 1 4; do
    echo "concurrency=$c rounds: pgbench ${rounds_tps[$c]}| swift ${rounds_qps[$c]:-}| postgres-nio ${rounds_nio[$c]:-}"
done
for c in 1 4; do
    if [ -n "${rounds_switches[$c]:-}" ]; then
        echo "concurrency=$c swift I/O threads' context switches per query, voluntary/involuntary: ${rounds_switches[$c]}"
    fi
done
# ratio VALUE: VALUE as a share of pgbench's median at concurrency $c, or "-".
ratio() { if [ -n "$1" ]; then awk -v s="$1" -v p="${tps[$c]}" 'BEGIN { printf "%.1f%%", 100 * s / p }'; else echo "-"; fi; }
rate() { if [ -n "$1" ]; then awk -v s="$1" 'BEGIN { printf "%.0f", s }'; else echo "-"; fi; }
printf '%-16s %12s %12s %8s %14s %8s %8s\n' "mode (medians)" "pgbench tps" "swift qps" ratio "postgres-nio" ratio target
for c in 1 4; do
    printf '%-16s %12.0f %12s %8s %14s %8s %7d%%\n' "concurrency=$c" "${tps[$c]}" "$(rate "${qps[$c]}")" "$(ratio "${qps[$c]}")" \
        "$(rate "${nio[$c]}")" "$(ratio "${nio[$c]}")" "$target"
done
