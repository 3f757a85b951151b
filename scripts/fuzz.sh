#!/usr/bin/env bash
# Runs every fuzz target of packages nodeipc and nodeipc/v8 for DURATION each (default 10s),
# one after the other, with one fuzzing worker per target by default (the
# machine is shared): scripts/fuzz.sh 2m. FUZZ_PARALLEL overrides the
# worker count. New failing inputs land in nodeipc/testdata/fuzz/<FuzzName>/
# and become regression tests of the ordinary `go test` run.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10s}"
parallel="${FUZZ_PARALLEL:-1}"
for pkg in ./nodeipc ./nodeipc/v8; do
  targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
  if [ -z "$targets" ]; then
    echo "no fuzz targets found in $pkg" >&2; exit 1
  fi
  for t in $targets; do
    echo "== fuzz $pkg $t ($duration)"
    go test -run '^$' -fuzz "^${t}\$" -fuzztime "$duration" -parallel "$parallel" "$pkg"
  done
done
