#!/usr/bin/env bash
# The Windows suite: the real Windows node.exe (every version pinned in
# testdata/win/package.json) runs under wine as the stand-in for Windows,
# forking Node children and Go children cross-built for windows/amd64.
# Installs wine64 with apt when it is missing; with CI=true a machine where
# wine cannot be had fails the stage, elsewhere it says what was not run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/wine/env.sh

why=$(wine_missing)
if [ -n "$why" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL: Windows suite cannot run: $why"; exit 1; fi
  echo "Windows suite NOT RUN: $why"
  exit 0
fi
wine_setup
trap wine_teardown EXIT


echo "== wine: Windows compatibility tests"
NODEIPC_WINE=1 go test -v -count=1 -timeout 20m -tags wine ./internal/winecompat/
