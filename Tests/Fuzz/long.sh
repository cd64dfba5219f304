#!/usr/bin/env bash
# The long fuzzing run (issue 17): every caller (admin, commune officer, facility staff, partner,
# agency key, auditor) on each of the four services, FUZZ_EXAMPLES (default 30) examples per
# operation and phase, a fresh seed per run (schemathesis prints it; FUZZ_SEED=N repeats one).
#
#   Tests/Fuzz/long.sh           (about 15 minutes on 2 cores)
#
# It is the test command's FuzzTests with more callers and examples: the same checks (no 5xx; every
# status, content type and body as the service's OpenAPI document says), the same throwaway cluster.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export FUZZ_CALLERS=all
export FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-30}
exec deploy/local/test.sh --filter FuzzTests
