#!/usr/bin/env bash
# The portable code paths (what macOS and the BSDs run: socketpair and
# received descriptors made close-on-exec under syscall.ForkLock, the
# address family from getsockname, the portable recvmsg inside
# RawConn.Read) selected on Linux with the nodeipc_portable build tag: the
# whole in-process suite with the race detector, then a real-Node compat
# subset (messages both ways, handles both ways, socket lists, Node's
# 10,000-transfer `many` scenario with fd counts flat) against one pinned
# Node (NODEIPC_NODE_VERSIONS, default node20). With CI=true a missing Node
# fails the run (internal/nodetest).
set -euo pipefail
export NODEIPC_NODE_VERSIONS=${NODEIPC_NODE_VERSIONS:-node20}
if [ "${CI:-}" = true ]; then export NODEIPC_REQUIRE_NODE=1; fi
[ -d node_modules ] || npm ci --no-audit --no-fund --ignore-scripts
t0=$SECONDS
go vet -tags nodeipc_portable ./...
go test -race -count=1 -tags nodeipc_portable ./nodeipc/...
echo "portable in-process suite: $((SECONDS - t0)) s"
t0=$SECONDS
go test -count=1 -tags nodeipc_portable -timeout 20m \
  -run '^(TestNodeForksGoChild|TestGoForksNodeChild|TestNodeSendsHandles|TestGoSendsHandles)$' ./compat
echo "portable compat subset ($NODEIPC_NODE_VERSIONS): $((SECONDS - t0)) s"
