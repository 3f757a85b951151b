//go:build linux && !nodeipc_portable

package nodeipc

import "golang.org/x/sys/unix"

// socketDomain returns fd's address family from SO_DOMAIN (Linux).
func socketDomain(fd int) (int, error) {
	return unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
}
