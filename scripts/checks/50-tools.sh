#!/usr/bin/env bash
# Tool recipes (examples/): installs the Node tools pinned in
# examples/package.json (pm2, execa, workerpool, vscode-jsonrpc, throng,
# jest-worker, tinypool) and
# runs each recipe against the real tool with a Go worker. Needs the pinned
# Node binaries (installed by scripts/test.sh's npm ci, or here when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! ls node_modules/node*/bin/node >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
(cd examples && npm ci --no-audit --no-fund --ignore-scripts)
NODEIPC_REQUIRE_NODE=1 go test -tags recipes -count=1 -timeout 10m ./examples
