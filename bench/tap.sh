#!/usr/bin/env bash
# The cost of cmd/nodeipc-tap: the side-by-side IPC benchmark
# (bench/ipc-bench.js) with the tap between the Node parent and the child,
# next to the same children without it:
#   node-node          Node parent, Node child (no tap)
#   node-go:tap-node   Node parent → nodeipc-tap → Node child
#   node-go            Node parent, cmd/go-child (no tap)
#   node-go:tap-go     Node parent → nodeipc-tap → cmd/go-child
# The tap logs every frame (decoded and formatted, text format) to
# /dev/null, so the numbers include the log's work but no disk.
# Arguments are passed through, e.g.
#   bash bench/tap.sh --quick
#   bash bench/tap.sh --serialization=advanced --workloads=pp16,st16
# NODE selects the Node binary (default: the pinned node20, else node on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench-out
mkdir -p "$out"
CGO_ENABLED=0 go build -o "$out/go-child" ./cmd/go-child
CGO_ENABLED=0 go build -o "$out/driver" ./bench/driver
CGO_ENABLED=0 go build -o "$out/nodeipc-tap" ./cmd/nodeipc-tap
node_bin=${NODE:-}
if [ -z "$node_bin" ]; then
  if [ -x node_modules/node20/bin/node ]; then node_bin=node_modules/node20/bin/node; else node_bin=$(command -v node); fi
fi
node_bin=$(cd "$(dirname "$node_bin")" && pwd)/$(basename "$node_bin")
cat >"$out/tap-go" <<WRAP
#!/bin/sh
exec "$PWD/$out/nodeipc-tap" --log /dev/null -- "$PWD/$out/go-child" "\$@"
WRAP
cat >"$out/tap-node" <<WRAP
#!/bin/sh
exec "$PWD/$out/nodeipc-tap" --log /dev/null -- "$node_bin" "$PWD/bench/node-child.js" "\$@"
WRAP
chmod +x "$out/tap-go" "$out/tap-node"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), kernel $(uname -r), $(go version | cut -d' ' -f3), node $("$node_bin" --version), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "$node_bin" bench/ipc-bench.js --node="$node_bin" --go-child="$out/go-child" --driver="$out/driver" \
  --variants="tap-go=$out/tap-go,tap-node=$out/tap-node" \
  --pairs=node-node,node-go:tap-node,node-go,node-go:tap-go \
  --workloads=pp16,pp1k,pp64k,st16,st4k --conditions=idle "$@"
