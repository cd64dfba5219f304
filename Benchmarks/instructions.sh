#!/usr/bin/env bash
# Counts the instructions each client spends per query, with valgrind's callgrind: a figure that
# does not depend on the machine's load or speed, unlike the rates of Benchmarks/run.sh.
#
#   Benchmarks/instructions.sh       (INSTR_QUERIES="1000 5000" by default)
#
# Starts a throwaway cluster with `pgbench -i -s 10`, then runs each client twice under
# `valgrind --tool=callgrind` on one connection, for the two query counts, with the same prepared
# statement (`SELECT abalance FROM pgbench_accounts WHERE aid = $1`, random aid): pgbench
# (`-M prepared -S -t N`), the project's `client-benchmark --queries N` and the postgres-nio peer
# (`PostgresNIOPeer --queries N`, stripped of debug information, which valgrind 3.19 cannot read).
# The difference of the two totals divided by the difference of the counts is the cost of one
# query in the client process (user space only: the kernel's work and the server's are not
# counted), without the start-up. Installs valgrind from Debian when missing. `swift_pooled` is the
# project's client through a pool of one connection (lease, statement and release per query, the
# path of concurrency 4). INSTR_KEEP=DIR keeps callgrind's output files there
# (`callgrind_annotate --inclusive=yes DIR/callgrind.swift_pooled.5000.out`); INSTR_PEER=0 leaves
# the postgres-nio peer out; CLIENT_BENCHMARK=/path counts that build of the client instead.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

read -r -a counts <<<"${INSTR_QUERIES:-1000 5000}"
[ "${#counts[@]}" -eq 2 ] || { echo "INSTR_QUERIES takes two counts" >&2; exit 64; }
log() { printf '[instructions] %s\n' "$*" >&2; }

cluster_install_packages
cluster_install_tool valgrind
cluster_find_bin
client=${CLIENT_BENCHMARK:-}
if [ -z "$client" ]; then
    # As the service images build it: the Swift runtime linked in (its thread-local reads and
    # calls then skip the dynamic linker's indirections).
    swift build -c release --static-swift-stdlib --product client-benchmark --scratch-path "$root/.build/static" >&2
    client="$(swift build -c release --static-swift-stdlib --scratch-path "$root/.build/static" --show-bin-path)/client-benchmark"
fi
swift build -c release --package-path "$root/Benchmarks/PostgresNIOPeer" >&2
peer_built="$(swift build -c release --package-path "$root/Benchmarks/PostgresNIOPeer" --show-bin-path)/PostgresNIOPeer"

cluster_start_throwaway recovery-instr-pg
dir=$CLUSTER_DIR
port=$CLUSTER_PORT
url="postgresql://postgres@127.0.0.1:$port/bench"
cluster_psql "$port" postgres --command="CREATE DATABASE bench"
"$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --initialize --scale=10 --quiet bench >"$dir/init.log" 2>&1
cluster_psql "$port" bench --command="VACUUM ANALYZE"
peer="$dir/postgres-nio-peer"
cp "$peer_built" "$peer"
strip "$peer"

# instructions NAME COMMAND...: callgrind's total for COMMAND ("N" in it is replaced by the count).
total() {
    local out="$dir/callgrind.out" log="$dir/callgrind.log"
    [ -n "${INSTR_KEEP:-}" ] && out="$INSTR_KEEP/callgrind.$run_name.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$dir/stdout.log" 2>"$log" || {
        cat "$log" "$dir/stdout.log" >&2
        return 1
    }
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log"
}

per_query() {
    local name=$1
    shift
    local first second
    first=$(run_name="$name.${counts[0]}" total "${@//QUERIES/${counts[0]}}")
    second=$(run_name="$name.${counts[1]}" total "${@//QUERIES/${counts[1]}}")
    local per=$(((second - first) / (counts[1] - counts[0])))
    printf '%-14s %12s %12s %10s\n' "$name" "$first" "$second" "$per"
    eval "per_$name=$per"
}

log "callgrind, ${counts[0]} and ${counts[1]} queries per client"
printf '%-14s %12s %12s %10s\n' client "Ir(${counts[0]})" "Ir(${counts[1]})" "per query"
per_query pgbench "$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --protocol=prepared \
    --select-only --no-vacuum --transactions=QUERIES bench
per_query swift "$client" --url "$url" --queries QUERIES
per_query swift_pooled "$client" --url "$url" --queries QUERIES --pooled
if [ "${INSTR_PEER:-1}" = 0 ]; then
    per_postgres_nio=0
else
    per_query postgres_nio "$peer" --url "$url" --queries QUERIES
fi
# shellcheck disable=SC2154  # set by per_query
awk -v p="$per_pgbench" -v s="$per_swift" -v q="$per_swift_pooled" -v n="$per_postgres_nio" \
    'BEGIN { printf "instructions per query against pgbench: swift %.1fx, swift_pooled %.1fx, postgres-nio %.1fx\n", s / p, q / p, n / p }'
