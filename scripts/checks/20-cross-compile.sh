#!/usr/bin/env bash
# Cross-compile matrix: for every target Node ships for (and Windows, which
# builds on the transport seam), `go vet` and `go test -c` of every package
# of the module except the Linux-only benchmark harness (bench/); for
# plan9, js/wasm and wasip1, where the library only builds and reports
# errors.ErrUnsupported, `go vet` of the library and tool packages.
# Needs nothing but Go (the toolchain cross-compiles without cgo).
set -euo pipefail
export CGO_ENABLED=0
pkgs=$(go list ./... | grep -v '/bench/')
libpkgs=$(go list ./nodeipc/... ./cmd/...)
full="darwin/amd64 darwin/arm64 freebsd/amd64 netbsd/amd64 openbsd/amd64 linux/arm64 linux/arm linux/386 windows/amd64"
lib="plan9/amd64 js/wasm wasip1/wasm"
fail=0
for t in $full; do
  t0=$SECONDS
  ok=1
  GOOS=${t%/*} GOARCH=${t#*/} go vet $pkgs || ok=0
  for p in $pkgs; do
    GOOS=${t%/*} GOARCH=${t#*/} go test -c -o /dev/null "$p" || ok=0
  done
  if [ $ok = 1 ]; then echo "$t: vet + test -c ok ($((SECONDS - t0)) s)"; else echo "$t: FAILED"; fail=1; fi
done
for t in $lib; do
  if GOOS=${t%/*} GOARCH=${t#*/} go vet $libpkgs && GOOS=${t%/*} GOARCH=${t#*/} go build $libpkgs; then
    echo "$t: vet + build ok"
  else
    echo "$t: FAILED"; fail=1
  fi
done
exit $fail
