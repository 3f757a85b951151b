//go:build darwin || (linux && nodeipc_portable)

package cluster

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// socketCloexec creates a non-blocking, close-on-exec socket where socket(2)
// takes no SOCK_CLOEXEC (macOS; Linux with the nodeipc_portable tag): the
// flag is set under syscall.ForkLock, as the standard library's net package
// does, so that no concurrent exec inherits the socket.
func socketCloexec(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
