//go:build !plan9

package cluster

import (
	"errors"
	"syscall"
)

// errnoError is the error for a positive errno value.
func errnoError(n int) error { return syscall.Errno(n) }

// errnoValue returns the errno err carries, if any.
func errnoValue(err error) (int, bool) {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int(en), true
	}
	return 0, false
}

// einval is EINVAL's value.
const einval = int(syscall.EINVAL)
