#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL cluster.
#
#   deploy/local/test.sh [swift test arguments...]     e.g. --filter PostgresTests
#
# Checks the formatting of the Swift files first (deploy/local/format.sh --check, `.swift-format`).
# Installs missing Debian packages (postgresql, libpq-dev, pkg-config; chromium and chromedriver for
# the dashboard's browser tests) and from PyPI openapi-spec-validator (the OpenAPI tests),
# selenium (drives chromium) and schemathesis (the fuzzing tests), starts a private cluster in
# a new folder under /tmp on a free port, builds with `swift build --build-tests`, then runs
# `swift test --skip-build` with these variables exported:
#   TEST_DATABASE_URL  superuser URL of the cluster's `postgres` database; each test suite creates
#                      its own database and runs deploy/sql/setup.sql in it
#   RECOVERY_BIN_DIR   `swift build --show-bin-path` (where the service executables are)
# and at most TEST_PARALLELISM (default: twice the number of cores) tests running at a time.
# The cluster is stopped and removed on exit, whatever happens. The in-process services' logs
# (TEST_LOG_FILE, debug and up) are then scanned for every secret the tests used (TEST_SECRETS_FILE,
# Tests/Security/scan_logs.py). Exits with swift test's status, or 1 when the scan finds one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=deploy/local/cluster.sh
source "$root/deploy/local/cluster.sh"

start=$SECONDS
step=$SECONDS
timing() {
    printf '[test.sh] %-34s %4ds (total %ds)\n' "$1" $((SECONDS - step)) $((SECONDS - start))
    step=$SECONDS
}

command -v swift >/dev/null 2>&1 || {
    echo "[test.sh] error: swift is not on PATH (Swift 6.3 is expected, e.g. /opt/swift/usr/bin)" >&2
    exit 1
}

cluster_install_packages
# The OpenAPI tests validate the documents with openapi-spec-validator (PyPI).
if ! python3 -c "import openapi_spec_validator" 2>/dev/null; then
    python3 -m pip install --quiet openapi-spec-validator || python3 -m pip install --quiet openapi-spec-validator
fi
# The dashboard's tests drive Debian's chromium through its chromedriver with selenium (PyPI);
# their screenshots go to .build/dashboard-screenshots/ (DASHBOARD_SCREENSHOTS).
cluster_install_tool chromium
cluster_install_tool chromedriver chromium-driver
if ! python3 -c "import selenium" 2>/dev/null; then
    python3 -m pip install --quiet selenium || python3 -m pip install --quiet selenium
fi
# The fuzzing tests (FuzzTests) generate requests from the OpenAPI documents with schemathesis (PyPI).
if ! python3 -c "import schemathesis" 2>/dev/null; then
    python3 -m pip install --quiet schemathesis || python3 -m pip install --quiet schemathesis
fi
timing "packages checked"

# Unformatted code fails the run before anything is built (deploy/local/format.sh formats it).
deploy/local/format.sh --check
timing "formatting checked"

cluster_start_throwaway recovery-test-pg
pg_port=$CLUSTER_PORT
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
timing "cluster started (port $pg_port)"

swift build --build-tests
RECOVERY_BIN_DIR=$(swift build --show-bin-path)
export RECOVERY_BIN_DIR
timing "swift build --build-tests"

# Swift Testing runs every test at once by default: on a 2-core machine that is dozens of databases
# and hundreds of connections at a time, and a task resumed after a query then waits hundreds of
# milliseconds for a thread. At most TEST_PARALLELISM tests run at a time instead.
parallelism=${TEST_PARALLELISM:-$((2 * $(nproc)))}
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$parallelism

# Everything the in-process services log (debug and up) and every secret the tests use, for the
# secrets scan after the run (Tests/Security/scan_logs.py).
scan_dir=$(mktemp -d /tmp/recovery-test-logs.XXXXXX)
export TEST_LOG_FILE=$scan_dir/services.log TEST_SECRETS_FILE=$scan_dir/secrets.txt
: >"$TEST_LOG_FILE"
: >"$TEST_SECRETS_FILE"

echo "[test.sh] TEST_DATABASE_URL=$TEST_DATABASE_URL"
echo "[test.sh] at most $parallelism tests at a time (TEST_PARALLELISM)"
echo "[test.sh] RECOVERY_BIN_DIR=$RECOVERY_BIN_DIR"
rc=0
swift test --skip-build "$@" || rc=$?
timing "swift test (exit $rc)"
# No password, token, key, national id, name or phone number a test used may be in any log line.
if ! python3 Tests/Security/scan_logs.py "$TEST_LOG_FILE" "$TEST_SECRETS_FILE"; then
    echo "[test.sh] secrets found in the services' logs (kept in $scan_dir)" >&2
    rc=1
else
    rm -rf "$scan_dir"
fi
exit "$rc"
