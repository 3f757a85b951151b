package cluster

import (
	"os"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/leakcheck"
)

// TestMain fails the run when the tests leave goroutines or descriptors.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
