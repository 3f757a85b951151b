#!/usr/bin/env bash
# Runs every fuzz target of the module (each package with a func FuzzX in
# a test file), one after the other, each for DURATION: an execution count such as 20000x (the default),
# or a duration such as 3m. Prefer a count for unattended runs: with a
# duration, Go 1.26's fuzz coordinator can end in a spurious "context
# deadline exceeded" with no crasher (golang/go#75804). One fuzzing worker
# per target by default (FUZZ_PARALLEL overrides it). New failing inputs
# land in <package>/testdata/fuzz/<FuzzName>/ and become regression tests of
# the ordinary `go test` run.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20000x}"
parallel="${FUZZ_PARALLEL:-1}"
# Every package with a fuzz target (a test file that declares func FuzzX).
pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v node_modules | xargs -n1 dirname | sort -u)
for pkg in $pkgs; do
  targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
  if [ -z "$targets" ]; then
    echo "no fuzz targets found in $pkg" >&2; exit 1
  fi
  for t in $targets; do
    echo "== fuzz $pkg $t ($duration)"
    go test -run '^$' -fuzz "^${t}\$" -fuzztime "$duration" -parallel "$parallel" "$pkg"
  done
done
