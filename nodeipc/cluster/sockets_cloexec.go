//go:build freebsd || netbsd || openbsd || (linux && !nodeipc_portable)

package cluster

import "golang.org/x/sys/unix"

// socketCloexec creates a non-blocking, close-on-exec socket in one call.
func socketCloexec(family, typ int) (int, error) {
	return unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}
