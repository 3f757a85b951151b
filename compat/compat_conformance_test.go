//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestConformance grades go-child and Node's own reference child with the
// conformance kit on every pinned Node version: both must pass every row.
func TestConformance(t *testing.T) {
	nodetest.Conformance(t, goChild, nil)
}
