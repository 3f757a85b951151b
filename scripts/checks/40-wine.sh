#!/usr/bin/env bash
# The Windows suite: the real Windows node.exe (every version pinned in
# testdata/win/package.json) runs under wine as the stand-in for Windows,
# forking Node children and Go children cross-built for windows/amd64.
# Node 20 and 22 run under Debian 12's wine 8 (apt-get install wine64);
# Node 24 and later need wine 10, which runs from a Debian 13 root built
# with debootstrap (see scripts/wine/env.sh). With CI=true a machine where
# either cannot be had fails the stage, elsewhere it says what was not run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/wine/env.sh

why="$(wine_missing)$(wine10_missing)"
if [ -n "$why" ]; then
  if [ "${CI:-}" = true ]; then echo "FAIL: Windows suite cannot run: $why"; exit 1; fi
  echo "Windows suite NOT RUN: $why"
  exit 0
fi
t0=$SECONDS
trap 'wine10_teardown; wine_teardown' EXIT
wine_setup
wine10_setup || { echo "FAIL: wine 10 setup"; exit 1; }
echo "== wine set-up: $((SECONDS - t0)) s"

echo "== wine: Windows compatibility tests"
NODEIPC_WINE=1 go test -v -count=1 -timeout 20m -tags wine ./internal/winecompat/
echo "== Windows suite: $((SECONDS - t0)) s"
