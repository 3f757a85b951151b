//go:build plan9

package cluster

import "fmt"

// Plan 9 has no errno numbers (its system errors are strings); the cluster
// code does not run there (nodeipc has no transport), so the numbers are
// only carried, never interpreted.

func errnoError(n int) error { return fmt.Errorf("errno %d", n) }

func errnoValue(error) (int, bool) { return 0, false }

const einval = 22 // Linux's EINVAL, as libuv reports UV_EINVAL there
