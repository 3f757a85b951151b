//go:build !(darwin || freebsd || linux || netbsd || openbsd)

package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
)

// Where nodeipc has no transport, NewWorker and Primary.Fork already fail
// with nodeipc's error wrapping errors.ErrUnsupported; these stand-ins keep
// the package building.

func bindTCPAddr(net.IP, int) (*os.File, error) { return nil, errUnsupported() }

func listenFD(uintptr, int) error { return errUnsupported() }

func errNotSupported() error { return errUnsupported() }

func errUnsupported() error {
	return fmt.Errorf("cluster: not supported on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)
}
