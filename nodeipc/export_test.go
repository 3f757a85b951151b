//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Helpers for the external tests that need raw descriptors on every Unix
// (macOS has no SOCK_CLOEXEC or pipe2): each returns close-on-exec
// descriptors, made so under syscall.ForkLock.

// SocketpairForTest returns an AF_UNIX socketpair of type typ.
func SocketpairForTest(typ int) ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	return fds, err
}

// SocketForTest returns a socket of the given domain and type.
func SocketForTest(domain, typ int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(domain, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	return fd, err
}

// PipeForTest returns a pipe.
func PipeForTest() ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	var p [2]int
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	return p, err
}
