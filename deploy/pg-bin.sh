# shellcheck shell=bash
# Sourced by deploy/backup.sh and deploy/restore.sh: pg_bin NAME prints the path of a PostgreSQL
# client program, from PATH or else the newest /usr/lib/postgresql/*/bin.
pg_bin() {
    if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
    local found
    found=$(find /usr/lib/postgresql/*/bin -maxdepth 1 -name "$1" 2>/dev/null | sort -V | tail -n 1)
    [ -n "$found" ] || { echo "$(basename "$0"): $1 not found (install postgresql-client)" >&2; exit 1; }
    echo "$found"
}
