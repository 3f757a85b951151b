//go:build !(darwin || freebsd || linux || netbsd || openbsd || windows)

package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
)

// Where nodeipc has no transport, NewWorker and Primary.Fork already fail
// with nodeipc's error wrapping errors.ErrUnsupported; these stand-ins keep
// the package building.

func bindTCPAddr(net.IP, int, bool) (*os.File, error) { return nil, errUnsupported() }

func listenTCP(string, int, bool) (net.Listener, error) { return nil, errUnsupported() }

func bindUnix(string) (*os.File, error) { return nil, errUnsupported() }

func bindUDP(string, int, bool, int64) (*os.File, error) { return nil, errUnsupported() }

func streamFromFD(int, bool) (*os.File, error) { return nil, errUnsupported() }

func socketControl(bool, bool) func(string, string, syscall.RawConn) error {
	return func(string, string, syscall.RawConn) error { return errUnsupported() }
}

func listenFD(uintptr, int) error { return errUnsupported() }

func errUnsupported() error {
	return fmt.Errorf("cluster: not supported on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)
}
