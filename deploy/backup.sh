#!/usr/bin/env bash
# Backs up the whole recovery database (every service's schema, the event bus, the audit trail) to
# one file in pg_dump's custom format.
#
#   deploy/backup.sh OUT.dump
#
# Connects with the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; default
# database recovery) as a superuser or the database owner. With docker compose:
#   docker compose exec -T postgres pg_dump --username=postgres --format=custom recovery > OUT.dump
# Roles are cluster-wide and not in the file: deploy/sql/setup.sql and set-passwords.sh recreate them.
set -euo pipefail

out=${1:?usage: deploy/backup.sh OUT.dump}
# shellcheck source=deploy/pg-bin.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-bin.sh"
"$(pg_bin pg_dump)" --dbname="${PGDATABASE:-recovery}" --format=custom --compress=6 --file="$out"
echo "backup.sh: wrote $out ($(du -h "$out" | cut -f1))" >&2
