# shellcheck shell=bash
# Private PostgreSQL clusters for running and testing the recovery system on one machine.
#
# Source this file from bash; it defines functions only and changes no shell option:
#   cluster_install_packages            install missing Debian packages (apt-get, as root or via sudo)
#   cluster_install_tool CMD [PKG]      install a Debian package when command CMD is missing
#   cluster_find_bin                    set PG_BIN to the newest /usr/lib/postgresql/<v>/bin
#   cluster_as CMD...                   run CMD as the cluster's owner (user postgres when root)
#   cluster_run_dir PROJECT             print where the persistent cluster of PROJECT lives
#   cluster_free_port                   print a free TCP port on 127.0.0.1, below the ephemeral range
#   cluster_init DIR [run|test]         initdb into DIR/data unless already initialised
#   cluster_start DIR PORT              start it on 127.0.0.1:PORT and a unix socket in DIR
#   cluster_stop DIR                    stop it (fast shutdown) if running
#   cluster_psql PORT DB [PSQL ARGS...] psql as superuser postgres over TCP, stopping on errors
#   cluster_setup_db PORT SQLFILE       create database recovery if missing and run SQLFILE in it
#   cluster_standby PRIMARY_PORT DIR PORT
#                                       a hot standby of the cluster on PRIMARY_PORT in DIR/data
#                                       (pg_basebackup, streaming replication), started on PORT
#
# The cluster listens on 127.0.0.1 only and trusts every local connection: it is a private,
# loopback-only server for development and tests, never for production.

CLUSTER_PACKAGES=(postgresql postgresql-contrib libpq-dev pkg-config)

cluster_log() {
    printf '[cluster] %s\n' "$*" >&2
}

cluster_die() {
    cluster_log "error: $*"
    return 1
}

# Installs whichever of CLUSTER_PACKAGES is missing (`apt-get update` first); nothing when all are.
cluster_install_packages() {
    local pkg missing=()
    for pkg in "${CLUSTER_PACKAGES[@]}"; do
        if ! dpkg -s "$pkg" >/dev/null 2>&1; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || cluster_die "missing packages (${missing[*]}) and no sudo" || return 1
        sudo=(sudo)
    fi
    cluster_log "installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

# cluster_install_tool COMMAND [PACKAGE]: installs the Debian package (default: named like the
# command) when COMMAND is not on PATH; for the benchmarks' tools (wrk, valgrind).
cluster_install_tool() {
    local command=$1 package=${2:-$1}
    command -v "$command" >/dev/null 2>&1 && return 0
    cluster_log "installing $package"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    # Package lists may be missing or stale on a fresh machine: refresh them when the first try fails.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2 ||
        { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2; }
}

# Sets PG_BIN (unless already set) to the bin folder of the newest installed PostgreSQL.
cluster_find_bin() {
    if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/pg_ctl" ]; then
        return 0
    fi
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        cluster_die "no PostgreSQL server under /usr/lib/postgresql (run cluster_install_packages)"
        return 1
    fi
    PG_BIN=$dir
}

# PostgreSQL refuses to run as root: root runs the server as the Debian package's user postgres.
cluster_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        echo postgres
    else
        id -un
    fi
}

cluster_as() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Prints PROJECT/.pg when the cluster's owner can reach it, else a folder under /tmp named after
# the project's path (so that data is kept across runs either way).
cluster_run_dir() {
    local project=$1
    if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$project" 2>/dev/null; then
        echo "$project/.pg"
    else
        local sum
        sum=$(printf '%s' "$project" | cksum | cut -d ' ' -f 1)
        echo "/tmp/recovery-pg-$sum"
    fi
}

# Prints a random TCP port on 127.0.0.1 that nothing listens on, below the kernel's ephemeral
# range (/proc/sys/net/ipv4/ip_local_port_range, usually 32768-60999), where an outgoing
# connection's local port can make a bind fail even though nothing listens there.
cluster_free_port() {
    local low=32768 high port tries=0
    if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
        read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    fi
    high=$((low - 1))
    low=10000
    if [ "$high" -le $((low + 1000)) ]; then
        low=1024
    fi
    while [ "$tries" -lt 100 ]; do
        port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
        tries=$((tries + 1))
    done
    cluster_die "no free port found"
}

# cluster_init DIR [run|test]: a new cluster in DIR/data, superuser postgres, UTF-8, trust auth on
# the socket and 127.0.0.1. "test" turns durability off (fsync, synchronous_commit,
# full_page_writes) for speed. Does nothing when DIR/data is already initialised.
cluster_init() {
    local dir=$1 mode=${2:-run}
    cluster_find_bin || return 1
    if [ -f "$dir/data/PG_VERSION" ]; then
        return 0
    fi
    mkdir -p "$dir" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir" || return 1
        chmod 0700 "$dir" || return 1
    fi
    cluster_log "initialising $mode cluster in $dir/data"
    cluster_as "$PG_BIN/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        cluster_die "initdb failed"
        return 1
    }

    # Unix socket paths are limited to 107 bytes: without room, TCP only.
    local socket_dirs="$dir"
    if [ "${#dir}" -gt 80 ]; then
        socket_dirs=""
    fi
    {
        echo ""
        echo "# recovery: private cluster ($mode)"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$socket_dirs'"
        # The test suite runs many services side by side, each with its pool and listeners.
        if [ "$mode" = test ]; then echo "max_connections = 400"; else echo "max_connections = 200"; fi
        # As docker-compose.yml for a run (a quarter of its PostgreSQL's memory); tests keep the default.
        if [ "$mode" = test ]; then echo "shared_buffers = 128MB"; else echo "shared_buffers = 512MB"; fi
        echo "log_min_messages = warning"
        echo "log_min_error_statement = error"
        # As in docker-compose.yml: after each checkpoint the first change to a page writes the
        # whole page to the WAL, and the statistics' aggregates change many pages at once.
        echo "wal_compression = lz4"
        if [ "$mode" = test ]; then
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } | cluster_as tee -a "$dir/data/postgresql.conf" >/dev/null || return 1
    printf '%s\n' \
        "# recovery: private cluster, loopback only" \
        "local all all trust" \
        "host  all all 127.0.0.1/32 trust" \
        "host  replication all 127.0.0.1/32 trust" |
        cluster_as tee "$dir/data/pg_hba.conf" >/dev/null || return 1
}

cluster_is_running() {
    local dir=$1
    cluster_find_bin || return 1
    [ -f "$dir/data/PG_VERSION" ] && cluster_as "$PG_BIN/pg_ctl" status --pgdata="$dir/data" >/dev/null 2>&1
}

# cluster_start DIR PORT: starts the cluster (waits until it accepts connections). When it is
# already running it is left as it is.
cluster_start() {
    local dir=$1 port=$2
    cluster_find_bin || return 1
    if cluster_is_running "$dir"; then
        cluster_log "cluster in $dir is already running"
        return 0
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        cluster_die "port $port on 127.0.0.1 is already in use"
        return 1
    fi
    cluster_as "$PG_BIN/pg_ctl" start --pgdata="$dir/data" --log="$dir/postgres.log" \
        --wait --timeout=60 --silent -o "-p $port" || {
        tail -n 20 "$dir/postgres.log" >&2 || true
        cluster_die "could not start the cluster in $dir"
        return 1
    }
    cluster_log "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$port (data $dir/data, log $dir/postgres.log)"
}

# cluster_stop DIR: fast shutdown (rolls back open transactions, disconnects clients).
cluster_stop() {
    local dir=$1
    cluster_find_bin || return 1
    if cluster_is_running "$dir"; then
        cluster_as "$PG_BIN/pg_ctl" stop --pgdata="$dir/data" --mode=fast --wait --timeout=60 --silent ||
            return 1
        cluster_log "stopped cluster in $dir"
    fi
}

cluster_psql() {
    local port=$1 db=$2
    shift 2
    cluster_find_bin || return 1
    "$PG_BIN/psql" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 \
        --host=127.0.0.1 --port="$port" --username=postgres --dbname="$db" "$@"
}

# cluster_setup_db PORT SQLFILE: database recovery (created if missing), then SQLFILE run in it.
cluster_setup_db() {
    local port=$1 sqlfile=$2
    if [ -z "$(cluster_psql "$port" postgres --tuples-only --no-align \
        --command="SELECT 1 FROM pg_database WHERE datname = 'recovery'")" ]; then
        cluster_psql "$port" postgres --command="CREATE DATABASE recovery" || return 1
        cluster_log "created database recovery"
    fi
    cluster_psql "$port" recovery --file="$sqlfile" || return 1
}

# cluster_standby PRIMARY_PORT DIR PORT: copies the running cluster on 127.0.0.1:PRIMARY_PORT into
# DIR/data with pg_basebackup (-R: it follows the primary by streaming replication) and starts it
# as a hot standby on PORT (read-only queries; `hot_standby_feedback` keeps the primary from
# vacuuming rows its long reads still see). The primary needs a replication line in pg_hba.conf
# (cluster_init writes one).
cluster_standby() {
    local primary_port=$1 dir=$2 port=$3
    cluster_find_bin || return 1
    mkdir -p "$dir" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir" || return 1
        chmod 0700 "$dir" || return 1
    fi
    cluster_as "$PG_BIN/pg_basebackup" --host=127.0.0.1 --port="$primary_port" --username=postgres \
        --pgdata="$dir/data" --write-recovery-conf --wal-method=stream --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1 || {
        cat "$dir/basebackup.log" >&2
        cluster_die "pg_basebackup from port $primary_port failed"
        return 1
    }
    {
        echo ""
        echo "# recovery: hot standby of 127.0.0.1:$primary_port"
        echo "unix_socket_directories = ''"
        echo "hot_standby_feedback = on"
    } | cluster_as tee -a "$dir/data/postgresql.conf" >/dev/null || return 1
    cluster_start "$dir" "$port"
}

# cluster_start_throwaway PREFIX: starts a test-mode cluster in a new folder /tmp/PREFIX.XXXXXX on
# a free port, sets CLUSTER_DIR and CLUSTER_PORT, and stops and deletes it when the script exits
# (the script's EXIT, INT and TERM traps are taken for that).
cluster_start_throwaway() {
    CLUSTER_DIR=$(mktemp -d "/tmp/$1.XXXXXX")
    trap cluster_cleanup_throwaway EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_init "$CLUSTER_DIR" test || return 1
    # Another process may take the port between the check and the server's bind: try others.
    local attempt
    for attempt in 1 2 3 4 5; do
        CLUSTER_PORT=$(cluster_free_port) || return 1
        if cluster_start "$CLUSTER_DIR" "$CLUSTER_PORT"; then
            return 0
        fi
        cluster_log "attempt $attempt: could not start on port $CLUSTER_PORT; trying another port"
    done
    cluster_die "could not start the throwaway cluster in $CLUSTER_DIR"
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
cluster_cleanup_throwaway() {
    local rc=$?
    trap - EXIT INT TERM
    cluster_stop "$CLUSTER_DIR" || true
    rm -rf "$CLUSTER_DIR"
    exit "$rc"
}

# A yardstick of the machine, printed beside benchmark figures: pgbench's select-only rate at
# concurrency 1 on the cluster at port $1 (machines of this kind differ by more than twice).
cluster_yardstick() {
    local port=$1 tps
    cluster_psql "$port" postgres --command="CREATE DATABASE yardstick" >/dev/null
    "$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --initialize --scale=10 --quiet yardstick >/dev/null 2>&1
    tps=$("$PG_BIN/pgbench" --host=127.0.0.1 --port="$port" --username=postgres --protocol=prepared --select-only \
        --client=1 --time=10 --no-vacuum yardstick 2>&1 | awk '/^tps = .*without initial connection time/ { printf "%.0f", $3 }')
    cluster_psql "$port" postgres --command="DROP DATABASE yardstick" >/dev/null
    echo "$tps"
}

# Benchmarks' EXPLAIN=1: logs the plan of every statement slower than $2 ms (default 5) on the
# cluster at port $1 (auto_explain, for new sessions: restart the clients after).
cluster_explain_on() {
    local port=$1 ms=${2:-5}
    cluster_psql "$port" postgres --quiet --command="LOAD 'auto_explain'" \
        --command="ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
        --command="ALTER SYSTEM SET auto_explain.log_min_duration = '${ms}ms'" --command="ALTER SYSTEM SET auto_explain.log_analyze = on" \
        --command="ALTER SYSTEM SET auto_explain.log_buffers = on" --command="SELECT pg_reload_conf()" >/dev/null
}

# Prints the slowest plan of each of the six slowest kinds of statement auto_explain logged in the
# cluster's log ($1: the cluster's directory).
cluster_explain_report() {
    python3 - "$1/postgres.log" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
found = []
for plan in re.split(r"\n(?=\S.*LOG:  duration: )", text):
    m = re.search(r"LOG:  duration: ([0-9.]+) ms  plan:", plan)
    if m:
        query = re.search(r"Query Text: (.*)", plan)
        found.append((float(m.group(1)), (query.group(1) if query else "")[:60], plan))
kinds = {}
for duration, key, plan in sorted(found, reverse=True):
    kinds.setdefault(key, []).append((duration, plan))
for key, items in sorted(kinds.items(), key=lambda kv: -kv[1][0][0])[:6]:
    print(f"--- {len(items)} x, slowest {items[0][0]:.1f} ms: {key}")
    print(items[0][1][:8000])
PY
}
