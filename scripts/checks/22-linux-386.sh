#!/usr/bin/env bash
# 32-bit: the in-process suite as linux/386, run natively (an amd64 kernel
# runs 386 binaries; the race detector does not exist for 386).
set -euo pipefail
if [ "$(uname -m)" != x86_64 ]; then
  if [ "${CI:-}" = true ]; then echo "linux/386 needs an x86_64 host"; exit 1; fi
  echo "linux/386 stage skipped: not an x86_64 host"; exit 0
fi
t0=$SECONDS
CGO_ENABLED=0 GOARCH=386 go test -count=1 ./nodeipc/...
echo "linux/386 in-process suite: $((SECONDS - t0)) s"
