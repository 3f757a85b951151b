#!/usr/bin/env bash
# Builds the Go worker and runs the demo: a Node parent forks it and they
# exchange messages (and a socket). Uses the `node` on PATH, or the pinned
# Node 22 from package.json when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/go-child ./cmd/go-child
NODE=$(command -v node || true)
if [ -z "$NODE" ]; then
  npm ci --no-audit --no-fund --ignore-scripts
  NODE=node_modules/node22/bin/node
fi
exec "$NODE" examples/demo.js "$PWD/bin/go-child"
