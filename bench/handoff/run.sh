#!/usr/bin/env bash
# Builds go-child and the dialer, then runs the hand-off benchmark:
#   bash bench/handoff/run.sh [CONNS=5000] [RUNS=3]
# NODE selects the Node binary (default: the pinned Node 20, else node on PATH).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p bin
go build -o bin/go-child ./cmd/go-child
go build -o bin/dialer ./bench/handoff/dialer
NODE=${NODE:-node_modules/node20/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
exec "$NODE" bench/handoff/parent.js "$PWD/bin/go-child" "$PWD/bin/dialer" "${1:-5000}" "${2:-3}"
