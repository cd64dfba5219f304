#!/usr/bin/env bash
# Runs the whole system on this machine: PostgreSQL plus the four services.
#
#   deploy/local/run.sh          (stop everything with Ctrl-C)
#   deploy/local/run.sh SERVICE COMMAND [ARGUMENTS...]
#                                runs one command of a service against the same database instead,
#                                e.g. `deploy/local/run.sh registry create-admin root`, and exits
#
# Without DATABASE_URL: installs missing Debian packages, starts (first initialises) a private
# PostgreSQL cluster in .pg/ of the project (or a folder under /tmp when the postgres user cannot
# reach the project), listening on 127.0.0.1:$RECOVERY_PG_PORT (54329), whose data is kept across
# runs; creates database recovery and runs deploy/sql/setup.sql in it. Keeps the registry's audit
# seal key (AUDIT_SEAL_KEY_FILE, made once) and head file (AUDIT_ANCHOR_FILE) beside the cluster.
#
# With DATABASE_URL=postgresql://user[:password]@host[:port]/db[?params] (an existing server where
# deploy/sql/setup.sql has been run): no local cluster; each service connects with the same URL
# but its own role as user and the password from <SERVICE>_DB_PASSWORD, if set.
# <SERVICE>_DATABASE_URL (REGISTRY_DATABASE_URL, ...) overrides that for one service.
#
# Then: swift build (BUILD_CONFIGURATION=debug|release, default debug), `<service> migrate` for each
# service, and `<service> serve` for all four in the background (ports 8081-8084, or
# <SERVICE>_PORT), each line of their output prefixed with the service's name. Waits until every
# GET /readyz answers 200 and then until Ctrl-C (or one service exits): SIGTERM to the services,
# wait for them, and stop the private cluster if this script started it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

services=(registry treatment referrals statistics)
command_service=""
if [ "$#" -gt 0 ]; then
    command_service=$1
    shift
    case " ${services[*]} " in
        *" $command_service "*) ;;
        *) printf '[run.sh] error: %s is not a service (%s)\n' "$command_service" "${services[*]}" >&2; exit 2 ;;
    esac
    [ "$#" -gt 0 ] || { printf '[run.sh] error: give the command to run, e.g. %s --help\n' "$command_service" >&2; exit 2; }
fi
declare -A default_port=([registry]=8081 [treatment]=8082 [referrals]=8083 [statistics]=8084)

log() { printf '[run.sh] %s\n' "$*" >&2; }
upper() { tr '[:lower:]' '[:upper:]' <<<"$1"; }

pg_dir=""
pg_started=0
pids=()
stopping=0

shutdown() {
    local rc=${1:-0}
    [ "$stopping" -eq 1 ] && return
    stopping=1
    trap - INT TERM EXIT
    if [ "${#pids[@]}" -gt 0 ]; then
        log "stopping services"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
    if [ "$pg_started" -eq 1 ]; then
        cluster_stop "$pg_dir" || rc=1
    fi
    exit "$rc"
}
trap 'shutdown 130' INT
trap 'shutdown 143' TERM
trap 'shutdown $?' EXIT

# --- database --------------------------------------------------------------------------------------
declare -A service_url
if [ -z "${DATABASE_URL:-}" ]; then
    cluster_install_packages
    pg_port=${RECOVERY_PG_PORT:-54329}
    pg_dir=$(cluster_run_dir "$root")
    if [ "$pg_dir" != "$root/.pg" ]; then
        log "user postgres cannot reach $root: the cluster lives in $pg_dir"
    fi
    cluster_init "$pg_dir" run
    if ! cluster_is_running "$pg_dir"; then
        cluster_start "$pg_dir" "$pg_port"
        pg_started=1
    else
        # Running already (another run.sh?): use the port it listens on.
        pg_port=$(sed -n 4p "$pg_dir/data/postmaster.pid")
        log "using the cluster already running in $pg_dir on port $pg_port (it will not be stopped)"
    fi
    cluster_setup_db "$pg_port" "$root/deploy/sql/setup.sql"
    for s in "${services[@]}"; do
        service_url[$s]="postgresql://$s@127.0.0.1:$pg_port/recovery"
    done
    # The audit trail's anchor beside the private cluster: a seal key made once, kept with it,
    # and the head file (unless set already).
    if [ -z "${AUDIT_SEAL_KEY:-}${AUDIT_SEAL_KEY_FILE:-}" ]; then
        if [ ! -s "$pg_dir/audit-seal-key" ]; then
            (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$pg_dir/audit-seal-key")
        fi
        export AUDIT_SEAL_KEY_FILE="$pg_dir/audit-seal-key"
    fi
    export AUDIT_ANCHOR_FILE=${AUDIT_ANCHOR_FILE:-$pg_dir/audit-head.json}
else
    case "$DATABASE_URL" in
        postgres://* | postgresql://*) ;;
        *) log "error: DATABASE_URL must be a postgresql:// URL here (its user is replaced per service)"; exit 2 ;;
    esac
    scheme=${DATABASE_URL%%://*}
    rest=${DATABASE_URL#*://}
    authority=${rest%%/*}
    path=${rest#"$authority"}
    hostport=${authority##*@}
    for s in "${services[@]}"; do
        pw_var="$(upper "$s")_DB_PASSWORD"
        userinfo=$s
        if [ -n "${!pw_var:-}" ]; then
            userinfo="$s:${!pw_var}"
        fi
        service_url[$s]="$scheme://$userinfo@$hostport$path"
    done
fi
for s in "${services[@]}"; do
    url_var="$(upper "$s")_DATABASE_URL"
    if [ -n "${!url_var:-}" ]; then
        service_url[$s]=${!url_var}
    fi
done
unset DATABASE_URL

# --- build -----------------------------------------------------------------------------------------
configuration=${BUILD_CONFIGURATION:-debug}
case "$configuration" in
    debug | release) ;;
    *) log "error: BUILD_CONFIGURATION must be debug or release"; exit 2 ;;
esac
command -v swift >/dev/null 2>&1 || { log "error: swift is not on PATH"; exit 1; }
log "swift build -c $configuration"
swift build -c "$configuration"
bin_dir=$(swift build -c "$configuration" --show-bin-path)

export LOG_FORMAT=${LOG_FORMAT:-text}
export HOST=${HOST:-127.0.0.1}

declare -A port_of
for s in "${services[@]}"; do
    port_var="$(upper "$s")_PORT"
    port_of[$s]=${!port_var:-${default_port[$s]}}
    if [ -z "$command_service" ] && (exec 3<>"/dev/tcp/127.0.0.1/${port_of[$s]}") 2>/dev/null; then
        log "error: port ${port_of[$s]} for $s is already in use (set $port_var to move it)"
        exit 1
    fi
done

# --- migrate ---------------------------------------------------------------------------------------
for s in "${services[@]}"; do
    log "$s migrate"
    DATABASE_URL=${service_url[$s]} PORT=${port_of[$s]} "$bin_dir/$s" migrate
done

# --- one command instead -----------------------------------------------------------------------------
if [ -n "$command_service" ]; then
    log "$command_service $* (DATABASE_URL=${service_url[$command_service]%%:*}://...)"
    rc=0
    DATABASE_URL=${service_url[$command_service]} "$bin_dir/$command_service" "$@" || rc=$?
    shutdown "$rc"
fi

# --- serve -----------------------------------------------------------------------------------------
for s in "${services[@]}"; do
    DATABASE_URL=${service_url[$s]} PORT=${port_of[$s]} "$bin_dir/$s" serve > >(sed -u "s/^/[$s] /") 2>&1 &
    pids+=($!)
done

http_ok() {
    local port=$1 path=$2
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port$path" 2>/dev/null
    else
        local status=""
        exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
        printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
        read -r -t 2 _ status _ <&3 || true
        exec 3<&-
        [ "$status" = 200 ]
    fi
}

deadline=$((SECONDS + ${READY_TIMEOUT_S:-60}))
for i in "${!services[@]}"; do
    s=${services[$i]}
    port=${port_of[$s]}
    until http_ok "$port" /readyz; do
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            log "error: $s exited before it was ready"
            shutdown 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "error: $s did not answer 200 on http://127.0.0.1:$port/readyz in time"
            shutdown 1
        fi
        sleep 0.5
    done
    log "$s ready on http://127.0.0.1:$port (bound to $HOST; GET /healthz, /readyz)"
done
log "all services ready; Ctrl-C stops them"

# Until Ctrl-C, or until one service exits (then the others are stopped too).
rc=0
wait -n "${pids[@]}" || rc=$?
log "a service exited (status $rc); stopping the others"
shutdown "$rc"
