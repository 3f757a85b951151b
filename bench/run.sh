#!/usr/bin/env bash
# Builds the benchmark binaries and runs the side-by-side IPC benchmark
# (bench/ipc-bench.js). Arguments are passed through, e.g.
#   bash bench/run.sh --quick
#   bash bench/run.sh --runs=7 --json=bench-out/results.json
#   bash bench/run.sh --serialization=advanced   (once advanced mode is wired in)
#   bash bench/run.sh --load=1 --pin=0   idle, loaded (1 busy process) and
#                                        one-CPU tables side by side
#   bash bench/run.sh --workloads=pp16,pp1k --pairs=node-node,node-go,node-floor
#   bash bench/run.sh --quick --syscalls   system calls per op under strace
# NODE selects the Node binary (default: the pinned node20, else node on PATH).
# BASE=<git rev> also builds cmd/go-child and bench/driver against the
# library at that revision (this tree's bench/ and cmd/go-child sources) and
# measures them in the same interleaved runs: before/after comparisons.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench-out
mkdir -p "$out"
# Static binaries (no cgo resolver): what one ships as a worker; exec is
# faster without the dynamic loader.
CGO_ENABLED=0 go build -o "$out/go-child" ./cmd/go-child
CGO_ENABLED=0 go build -o "$out/driver" ./bench/driver
extra=()
# The floor child (blocking C, bench/floor/floor-child.c) needs a C compiler;
# without one the table has no floor column.
cc=${CC:-cc}
if command -v "$cc" >/dev/null; then
  "$cc" -O2 -o "$out/floor-child" bench/floor/floor-child.c
  extra+=(--floor="$out/floor-child")
else
  echo "no C compiler ($cc): measuring without the floor child" >&2
fi
if [ -n "${BASE:-}" ]; then
  src=$out/base-src
  rm -rf "$src"
  mkdir -p "$src"
  git archive "$BASE" | tar -x -C "$src"
  mv "$src/cmd/go-child" "$src/go-child-own"
  rm -rf "$src/bench"
  cp -r bench "$src/"
  cp -r cmd/go-child "$src/cmd/"
  # This tree's go-child may use API the base does not have yet: then the
  # base's own go-child is built.
  if ! (cd "$src" && CGO_ENABLED=0 go build -o "../go-child-base" ./cmd/go-child 2>/dev/null); then
    echo "go-child of this tree does not build against $BASE: using $BASE's own cmd/go-child" >&2
    rm -rf "$src/cmd/go-child"
    mv "$src/go-child-own" "$src/cmd/go-child"
    (cd "$src" && CGO_ENABLED=0 go build -o "../go-child-base" ./cmd/go-child)
  fi
  (cd "$src" && CGO_ENABLED=0 go build -o "../driver-base" ./bench/driver)
  extra+=(--go-child-base="$out/go-child-base" --driver-base="$out/driver-base" --base-name="$BASE")
fi
# --syscalls counts system calls under strace: install it when missing.
for a in "$@"; do
  if [ "$a" = --syscalls ] && ! command -v strace >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq strace >/dev/null; else sudo apt-get install -y -qq strace >/dev/null; fi
  fi
done
node_bin=${NODE:-}
if [ -z "$node_bin" ]; then
  if [ -x node_modules/node20/bin/node ]; then node_bin=node_modules/node20/bin/node; else node_bin=$(command -v node); fi
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), kernel $(uname -r), $(go version | cut -d' ' -f3), node $("$node_bin" --version), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "$node_bin" bench/ipc-bench.js --node="$node_bin" --go-child="$out/go-child" --driver="$out/driver" "${extra[@]}" "$@"
