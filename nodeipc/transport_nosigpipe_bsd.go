//go:build darwin || freebsd || netbsd

package nodeipc

import "golang.org/x/sys/unix"

// setNoSigpipe sets SO_NOSIGPIPE, so that a write to a peer that is gone
// returns EPIPE and raises no SIGPIPE. Go's runtime already ignores SIGPIPE
// from descriptors other than 1 and 2, but not in every embedding (a
// c-shared library in a host that leaves SIGPIPE's default action).
func setNoSigpipe(fd int) {
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
}
