#!/usr/bin/env bash
# Runs every check of the project: installs the pinned Node binaries
# (package.json, from npm), then vet, gofmt, and the whole test suite with
# the race detector, including the compatibility tests against every pinned
# Node version, then every stage in scripts/checks/ in name order (each a
# bash script run from the repository root), and short fuzzing runs. A
# missing Node binary, or a missing tool a stage needs, fails the run when
# CI=true (or NODEIPC_REQUIRE_NODE=1).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

echo "== npm ci (pinned Node binaries)"
npm ci --no-audit --no-fund --ignore-scripts
for n in node_modules/node*/bin/node; do echo "$n: $($n --version)"; done

echo "== go vet"
go vet ./...

echo "== gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt needed:"; echo "$unformatted"; exit 1
fi

echo "== go test -race"
NODEIPC_REQUIRE_NODE=1 go test -race -count=1 -timeout 30m ./...

# Each stage is bounded (NODEIPC_STAGE_LIMIT seconds, 20 minutes by
# default; the slowest, cross-compiling with a cold build cache, takes
# about 7 on two cores), so that a hang fails
# the run with the stage's name instead of running out CI's clock.
for stage in scripts/checks/*.sh; do
  [ -e "$stage" ] || continue
  t0=$SECONDS
  echo "== stage $stage"
  rc=0
  timeout -k 60 "${NODEIPC_STAGE_LIMIT:-1200}" bash "$stage" || rc=$?
  if [ $rc != 0 ]; then
    [ $rc = 124 ] && echo "== stage $stage: timed out after ${NODEIPC_STAGE_LIMIT:-1200} s"
    echo "== stage $stage FAILED ($rc) after $((SECONDS - t0)) s"; exit 1
  fi
  echo "== stage $stage: $((SECONDS - t0)) s"
done

if [ -x scripts/fuzz.sh ]; then
  # An execution count, not a duration: with -fuzztime=<duration> Go 1.26's
  # fuzz coordinator can fail at the deadline with "context deadline
  # exceeded" and no crasher (golang/go#75804, fixed in Go 1.27).
  echo "== fuzz (short)"
  scripts/fuzz.sh "${FUZZTIME:-20000x}"
fi
echo "== all checks passed in $((SECONDS - started)) s"
