#!/usr/bin/env bash
# Shared by the service benchmarks (treatment.sh, referrals.sh), sourced after deploy/local/cluster.sh:
# a throwaway cluster with the durable settings of production and the machine's yardstick, the
# services' release builds migrated and served with their own roles, the registry benchmark's
# generated people imported, and the steady state before measuring.

bench_password="Kiểm tra tốc độ 2026"

# Starts the throwaway cluster named $1 with fsync, synchronous_commit and full_page_writes on and
# docker-compose.yml's default shared_buffers (512MB), the database `bench` set up as
# deploy/sql/setup.sql does; sets `dir`, `port` and `yardstick`.
bench_cluster() {
    cluster_start_throwaway "$1"
    dir=$CLUSTER_DIR
    port=$CLUSTER_PORT
    cluster_psql "$port" postgres --quiet --command="ALTER SYSTEM SET fsync = on" --command="ALTER SYSTEM SET synchronous_commit = on" \
        --command="ALTER SYSTEM SET full_page_writes = on" --command="ALTER SYSTEM SET shared_buffers = '512MB'" >/dev/null
    # shared_buffers takes a restart.
    cluster_stop "$dir" >/dev/null
    cluster_start "$dir" "$port"
    cluster_psql "$port" postgres --command="CREATE DATABASE bench" >/dev/null
    yardstick=$(cluster_yardstick "$port")
    cluster_psql "$port" bench --quiet --file="$root/deploy/sql/setup.sql" >/dev/null 2>&1
}

# Migrates service $1 (its release build in `bin`) and serves it on port $2 as its own role, the
# registry with an admin `perf`; sets `bench_pid` and waits until it is ready.
bench_serve() {
    local service=$1 http_port=$2
    local url="postgresql://$service@127.0.0.1:$port/bench"
    DATABASE_URL="$url" "$bin/$service" migrate >&2
    if [ "$service" = registry ] && [ ! -e "$dir/admin-created" ]; then
        echo "$bench_password" | DATABASE_URL="$url" "$bin/registry" create-admin perf >&2
        touch "$dir/admin-created"
    fi
    DATABASE_URL="$url" PORT=$http_port "$bin/$service" serve >>"$dir/$service.log" 2>&1 &
    bench_pid=$!
    local _
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null && return 0
        sleep 0.5
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz"
}

# Signs in as `perf` on the registry at $1 and imports $2 generated people; sets `token`.
bench_import_people() {
    local py="python3 $root/Benchmarks/registry/http_bench.py"
    token=$($py token "$1" perf "$bench_password")
    python3 "$root/Benchmarks/registry/generate_people.py" "$2" "$dir/people.csv"
    $py import "$1" "$token" "$dir/people.csv" >&2
}

# Waits until the audit trail is sealed, then checkpoints: what follows measures the steady state.
bench_steady() {
    local _ pending
    for _ in $(seq 1 120); do
        pending=$(cluster_psql "$port" bench --tuples-only --no-align \
            --command="SELECT (SELECT count(*) FROM audit.entries) - (SELECT count(*) FROM audit.chain)")
        [ "$pending" -lt 100 ] && break
        sleep 1
    done
    cluster_psql "$port" bench --quiet --command="CHECKPOINT" >/dev/null
}

# How many events of the log the statistics' live consumer has not passed yet (read from its
# positions, slot by slot).
bench_pending_sql="SET jit = off; SELECT coalesce(sum(w.n), 0) FROM bus.consumer_slots s CROSS JOIN LATERAL (SELECT count(*) AS n FROM bus.events e
    WHERE e.slot = s.slot AND e.xid >= s.after_xid AND (e.xid, e.id) > (s.after_xid, s.after_id)) w WHERE s.consumer = 'statistics.counts'"

# Prints the resident memory of process $1 in MiB: its current size (VmRSS) or, with $2 = VmHWM,
# its peak so far.
bench_rss() {
    awk -v field="${2:-VmRSS}" '$1 == field ":" { print int($2 / 1024) }' "/proc/$1/status"
}

# Prints the CPU seconds the processes of the cluster in folder $1 (the postmaster and its
# children) have spent so far.
bench_cluster_cpu() {
    local postmaster
    postmaster=$(head -n 1 "$1/data/postmaster.pid")
    # shellcheck disable=SC2046
    cat "/proc/$postmaster/stat" $(pgrep -P "$postmaster" | sed 's|.*|/proc/&/stat|') 2>/dev/null |
        awk -v tick="$(getconf CLK_TCK)" '{ sum += $14 + $15 } END { printf "%.2f", sum / tick }'
}

# Prints the buckets of histogram $2 (of type $3, when given) of the statistics' live consumer
# from the /metrics of the service at $1.
bench_histogram() {
    curl -fsS --retry 3 --max-time 30 "$1/metrics" | awk -v name="$2" -v type="${3:-}" '$0 ~ "^" name "_bucket" && /consumer="statistics.counts"/ && (type == "" || index($0, "type=\"" type "\""))'
}

# Prints how many things ($3) a histogram counted between two readings (files $1 and $2 of
# bench_histogram), with their p50 and p99 (linear within a bucket).
bench_quantiles() {
    python3 - "$1" "$2" "$3" <<'PY'
import re, sys
def read(path):
    buckets = {}
    for line in open(path):
        m = re.search(r'le="([^"]+)"\}\s+([0-9.e+]+)', line)
        if m:
            buckets[float('inf') if m.group(1) == '+Inf' else float(m.group(1))] = float(m.group(2))
    return buckets
before, after = read(sys.argv[1]), read(sys.argv[2])
if not after:
    print(f"not read (no histogram in {sys.argv[2]})")
    sys.exit(0)
edges = sorted(after)
counts = [after[e] - before.get(e, 0) for e in edges]
total = counts[-1] if counts else 0
def quantile(q):
    target, low = q * total, 0.0
    for edge, cumulative, previous in zip(edges, counts, [0] + counts[:-1]):
        if cumulative >= target and cumulative > previous:
            return low + (edge - low) * (target - previous) / (cumulative - previous) if edge != float('inf') else low
        low = edge if edge != float('inf') else low
    return low
if total == 0:
    print(f"0 {sys.argv[3]}")
else:
    print(f"{int(total)} {sys.argv[3]}, p50 {quantile(0.5) * 1000:.1f} ms, p99 {quantile(0.99) * 1000:.1f} ms")
PY
}
