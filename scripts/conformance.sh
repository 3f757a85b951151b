#!/usr/bin/env bash
# Prints the conformance table of the README (Markdown): Node's reference
# child and go-child graded by the conformance kit under every pinned Node
# version, a column each. With --others, Deno and Bun (from npm, into a
# temporary directory) are graded too, each running the kit's reference
# child script under one Node version (NODE, default the pinned node22).
#   bash scripts/conformance.sh [--others]
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --ignore-scripts >/dev/null
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/go-child" ./cmd/go-child
go build -o "$bin/nodeipc-conformance" ./cmd/nodeipc-conformance
kit="$bin/nodeipc-conformance"
nodes=$(ls -d node_modules/node[0-9]*/bin/node | sort -V | paste -sd, -)
versions=$(for n in ${nodes//,/ }; do "$n" --version; done | sed 's/^v//' | paste -sd' ' - | sed 's/ /, /g')
"$kit" -parallel 2 -node "$nodes" -json -ref > "$bin/ref.json" || true
"$kit" -parallel 2 -node "$nodes" -json "$bin/go-child" > "$bin/go.json" || true
cols=("Node child ($versions)=$bin/ref.json" "go-child ($versions)=$bin/go.json")

if [ "${1:-}" = "--others" ]; then
  node=${NODE:-node_modules/node22/bin/node}
  rt="$bin/runtimes"
  mkdir -p "$rt"
  (cd "$rt" && npm i --no-audit --no-fund --ignore-scripts @deno/linux-x64-glibc @oven/bun-linux-x64 >/dev/null)
  deno="$rt/node_modules/@deno/linux-x64-glibc/deno"
  bun="$rt/node_modules/@oven/bun-linux-x64/bin/bun"
  chmod +x "$deno" "$bun"
  script="$bin/ref-child.cjs"
  cp conformance/node/ref-child.cjs "$script"
  nv=$("$node" --version)
  DENO_NO_UPDATE_CHECK=1 "$kit" -parallel 2 -timeout 20s -node "$node" -json "$deno" run -A "$script" > "$bin/deno.json" || true
  "$kit" -parallel 2 -timeout 20s -node "$node" -json "$bun" "$script" > "$bin/bun.json" || true
  cols+=("Deno $("$deno" --version | head -1 | cut -d' ' -f2) (Node ${nv#v} parent)=$bin/deno.json")
  cols+=("Bun $("$bun" --version) (Node ${nv#v} parent)=$bin/bun.json")
fi
"$kit" -summary "${cols[@]}"
