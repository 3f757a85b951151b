//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"os"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/leakcheck"
)

// TestMain fails the run when the tests leave goroutines or file
// descriptors behind: every Channel owns two goroutines and some
// descriptors, and a test that ends with all its channels closed must have
// given all of them back.
//
// With NODEIPC_HOSTILE_CASE set, the binary is a hostile-peer worker
// instead (see hostile_test.go).
func TestMain(m *testing.M) {
	if name := os.Getenv(hostileEnv); name != "" {
		os.Exit(hostileWorker(name))
	}
	os.Exit(leakcheck.Run(m))
}
