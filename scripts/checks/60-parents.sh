#!/usr/bin/env bash
# Bun and Deno as parents of Go workers: installs the real runtimes pinned
# in testdata/parents/package.json (npm packages that carry the prebuilt
# binaries) and runs compat's parents tests (-tags parents): go-child's
# conformance table under each runtime's parent (a row that fails must fail
# as the runtime's documented limitation), the spawn() and fork() forms,
# Deno's V8 format 16, and Bun's own advanced format (refused at once, by
# name). About 1.5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
(cd testdata/parents && npm ci --no-audit --no-fund)
NODEIPC_REQUIRE_RUNTIMES=1 go test -tags parents -count=1 -timeout 10m -run 'Parent|Bun|Deno' ./compat
