#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh into a new, empty database.
#
#   deploy/restore.sh IN.dump DATABASE
#
# Connects as a superuser with the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD).
# Creates DATABASE (it must not exist), runs deploy/sql/setup.sql (roles and database grants, which
# a dump does not carry), restores everything with owners and privileges, and prints the row count
# of every table so it can be compared with the source. Stops at the first error.
set -euo pipefail

in=${1:?usage: deploy/restore.sh IN.dump DATABASE}
database=${2:?usage: deploy/restore.sh IN.dump DATABASE}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deploy/pg-bin.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-bin.sh"
psql=$(pg_bin psql)
# shellcheck disable=SC2016  # :'name' is psql's quoting of the variable, not the shell's
printf '%s\n' "SELECT format('CREATE DATABASE %I', :'name') \\gexec" |
    "$psql" --dbname=postgres --quiet --set=ON_ERROR_STOP=1 --set=name="$database"
# Roles first (cluster-wide, idempotent); the dump then replaces what setup.sql created.
"$psql" --dbname="$database" --quiet --set=ON_ERROR_STOP=1 --file="$root/deploy/sql/setup.sql" >/dev/null
# The empty event log setup.sql made goes: pg_restore --clean cannot drop its partitions' inherited
# keys, and the dump brings the log with its partitions.
"$psql" --dbname="$database" --quiet --set=ON_ERROR_STOP=1 --command="DROP TABLE bus.events" >/dev/null
"$(pg_bin pg_restore)" --dbname="$database" --exit-on-error --clean --if-exists "$in"
"$psql" --dbname="$database" --quiet --set=ON_ERROR_STOP=1 --file="$root/deploy/sql/setup.sql" >/dev/null
"$psql" --dbname="$database" --tuples-only --no-align --set=ON_ERROR_STOP=1 <<'SQL'
SELECT format('%s.%s %s', table_schema, table_name,
              (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text)
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema IN ('registry', 'treatment', 'referrals', 'statistics', 'bus', 'audit')
ORDER BY 1;
SQL
