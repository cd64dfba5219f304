#!/usr/bin/env bash
# Sets the login password of each service role from the environment, so that no password is ever
# written to a file or appears on a command line:
#   REGISTRY_DB_PASSWORD  TREATMENT_DB_PASSWORD  REFERRALS_DB_PASSWORD  STATISTICS_DB_PASSWORD
# A role whose variable is empty or unset is left as it is (with a warning).
#
# Run after setup.sql, as a superuser (or a role with CREATEROLE). Connects with psql (15 or newer,
# for \getenv) using the usual libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE...). In the
# official postgres image's /docker-entrypoint-initdb.d it defaults to POSTGRES_USER and
# POSTGRES_DB and the init server's unix socket.
set -euo pipefail

export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-recovery}}"

for role in registry treatment referrals statistics; do
    var="$(printf '%s' "$role" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    if [ -z "${!var:-}" ]; then
        echo "set-passwords: $var is not set; role $role keeps its current password" >&2
        continue
    fi
    # The password goes from the environment to psql (\getenv) and is quoted by format(%L).
    psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --set=role="$role" --set=pwvar="$var" <<'SQL'
\getenv pw :pwvar
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'pw') \gexec
SQL
    echo "set-passwords: password set for role $role" >&2
done
