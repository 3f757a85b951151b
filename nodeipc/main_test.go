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
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
