#!/usr/bin/env bash
# Formats every Swift file of the repository with the toolchain's `swift format` and the
# repository's `.swift-format`, or, with --check, lists the files that are not formatted and
# exits 1 (deploy/local/test.sh runs the check before building).
#
#   deploy/local/format.sh            format in place
#   deploy/local/format.sh --check    check only
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

# Tracked files and new ones not ignored: what a commit of the working tree would hold.
mapfile -t listed < <(git ls-files --cached --others --exclude-standard '*.swift')
files=()
for file in "${listed[@]}"; do
    if [ -f "$file" ]; then files+=("$file"); fi
done
if [ "${1:-}" != "--check" ]; then
    swift format format --in-place --parallel "${files[@]}"
    exit 0
fi
if ! output=$(swift format lint --strict --parallel "${files[@]}" 2>&1); then
    echo "$output" | sed -n 's/^\([^:]*\.swift\):.*/\1/p' | sort -u | sed 's/^/[format] not formatted: /' >&2
    echo "[format] run deploy/local/format.sh to format them (configuration: .swift-format)" >&2
    exit 1
fi
