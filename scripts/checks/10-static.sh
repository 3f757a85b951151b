#!/usr/bin/env bash
# Static checks: go.mod and go.sum are tidy (go mod tidy -diff), and
# staticcheck finds nothing. staticcheck is installed from the Go module
# proxy at a pinned version into a cache directory outside the repository.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2, built for Go 1.26

echo "-- go mod tidy -diff"
if ! go mod tidy -diff; then
  echo "go.mod/go.sum are not tidy: run go mod tidy" >&2
  exit 1
fi

bin="${XDG_CACHE_HOME:-$HOME/.cache}/nodeipc-tools/staticcheck-$STATICCHECK_VERSION"
if [ ! -x "$bin/staticcheck" ]; then
  echo "-- installing staticcheck $STATICCHECK_VERSION"
  mkdir -p "$bin"
  if ! GOBIN="$bin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"; then
    if [ "${CI:-}" = true ]; then
      echo "cannot install staticcheck $STATICCHECK_VERSION" >&2
      exit 1
    fi
    echo "staticcheck not run: it could not be installed" >&2
    exit 0
  fi
fi
echo "-- staticcheck $("$bin/staticcheck" -version)"
"$bin/staticcheck" ./...
