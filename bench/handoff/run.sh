#!/usr/bin/env bash
# Builds go-child, the floor child and the dialer, then runs the hand-off
# benchmark (Node child, Go child and floor child in rotating runs):
#   bash bench/handoff/run.sh [CONNS=5000] [RUNS=3] [--load=N] [--pin=CPU] [--strace]
# --load=N adds the loaded condition (N busy processes), --pin=CPU the one-CPU
# condition (parent and child pinned with taskset), --strace the system calls
# per connection of each child (strace is installed with apt-get if missing).
# NODE selects the Node binary (default: the pinned Node 20, else node on PATH).
# GO_CHILDREN=LABEL=PATH,... measures other go-child builds as well.
# Without a C compiler (CC, default cc) the floor child is left out.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p bin
go build -o bin/go-child ./cmd/go-child
go build -o bin/dialer ./bench/handoff/dialer
floor=
if command -v "${CC:-cc}" >/dev/null; then
  "${CC:-cc}" -O2 -o bin/floor-child bench/floor/floor-child.c
  floor=$PWD/bin/floor-child
fi
NODE=${NODE:-node_modules/node20/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
go_children=$PWD/bin/go-child
[ -n "${GO_CHILDREN:-}" ] && go_children=$go_children,$GO_CHILDREN
pos=()
opt=()
for a in "$@"; do
  case $a in
    --*) opt+=("$a") ;;
    *) pos+=("$a") ;;
  esac
done
for a in "${opt[@]}"; do
  if [ "$a" = --strace ] && ! command -v strace >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq strace >/dev/null; else sudo apt-get install -y -qq strace >/dev/null; fi
  fi
done
exec "$NODE" bench/handoff/parent.js "$go_children" "$PWD/bin/dialer" "${pos[0]:-5000}" "${pos[1]:-3}" $floor "${opt[@]}"
