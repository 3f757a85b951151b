//go:build darwin || freebsd || linux || netbsd || openbsd

package cluster

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// The system calls of the cluster code, on the platforms nodeipc has a
// transport for: the SCHED_NONE primary's bound (not listening) socket and
// the worker's listen(2) on it. Accepting goes through Go's net package,
// which uses accept4 with SOCK_CLOEXEC|SOCK_NONBLOCK where it exists and
// accept plus FD_CLOEXEC under syscall.ForkLock on macOS.

// bindTCPAddr creates a non-blocking, close-on-exec TCP socket bound to
// ip:port, with SO_REUSEADDR (as libuv sets) and, for IPv6 with v6only,
// IPV6_V6ONLY, not listening.
func bindTCPAddr(ip net.IP, port int, v6only bool) (*os.File, error) {
	family := unix.AF_INET6
	var sa unix.Sockaddr
	if ip4 := ip.To4(); ip4 != nil && !ip.Equal(net.IPv6zero) {
		family = unix.AF_INET
		s := &unix.SockaddrInet4{Port: port}
		copy(s.Addr[:], ip4)
		sa = s
	} else {
		s := &unix.SockaddrInet6{Port: port}
		copy(s.Addr[:], ip.To16())
		sa = s
	}
	fd, err := socketCloexec(family, unix.SOCK_STREAM)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	if family == unix.AF_INET6 && v6only {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			unix.Close(fd)
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", net.JoinHostPort(ip.String(), strconv.Itoa(port)), err)
	}
	return os.NewFile(uintptr(fd), "cluster-shared-socket"), nil
}

// errNotSupported is the errno for a listen request the primary cannot
// serve.
func errNotSupported() error { return syscall.ENOTSUP }

// listenFD calls listen(2) on fd.
func listenFD(fd uintptr, backlog int) error {
	if err := unix.Listen(int(fd), backlog); err != nil {
		return os.NewSyscallError("listen", err)
	}
	return nil
}
