//go:build unix

// Package testsock has the socket and descriptor helpers the project's tests
// share: an AF_UNIX stream socketpair as two *net.UnixConn, and the list of
// the process's open descriptors (for leak checks). It imports nothing of
// nodeipc, so the package's own internal tests can use it too; the public
// face of it is package nodeipc/nodeipctest.
package testsock

import (
	"net"
	"os"
	"syscall"
)

// Pair returns both ends of a new AF_UNIX stream socketpair, close-on-exec.
// The caller closes both.
func Pair() (*net.UnixConn, *net.UnixConn, error) {
	// Under ForkLock, as the standard library creates sockets where
	// SOCK_CLOEXEC is missing: no exec may inherit the pair in between.
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	a, err := fileConn(fds[0])
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	b, err := fileConn(fds[1])
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

func fileConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), "socketpair")
	defer f.Close() // FileConn dups it
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}
