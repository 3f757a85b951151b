//go:build darwin || freebsd || linux || netbsd || openbsd

package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// listenTCP listens on host:port as the round-robin primary's
// net.Server.listen({port, host, ipv6Only}) does.
func listenTCP(host string, port int, v6only bool) (net.Listener, error) {
	var lc net.ListenConfig
	if v6only {
		lc.Control = socketControl(true, false)
	}
	return lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
}

// bindUnix creates a non-blocking Unix-domain stream socket bound to path,
// not listening (Node's shared pipe handle). It fails with EADDRINUSE when
// the path exists, as bind(2) does.
func bindUnix(path string) (*os.File, error) {
	fd, err := socketCloexec(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), "cluster-shared-pipe"), nil
}

// bindUDP creates a non-blocking UDP socket bound to host:port, as Node's
// dgram._createSocketHandle does for a shared handle: flags carries
// UV_UDP_IPV6ONLY and UV_UDP_REUSEADDR. An empty host is the wildcard of
// the family.
func bindUDP(host string, port int, v6 bool, flags int64) (*os.File, error) {
	var ip net.IP
	switch {
	case host != "":
		if ip = net.ParseIP(host); ip == nil {
			return nil, syscall.EINVAL
		}
	case v6:
		ip = net.IPv6zero
	default:
		ip = net.IPv4zero
	}
	family := unix.AF_INET
	switch {
	case v6:
		family = unix.AF_INET6
	case ip.To4() == nil:
		return nil, syscall.EINVAL // an IPv6 address for udp4
	}
	sa := inetSockaddr(family, ip, port)
	fd, err := socketCloexec(family, unix.SOCK_DGRAM)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	fail := func(op string, err error) (*os.File, error) {
		unix.Close(fd)
		return nil, os.NewSyscallError(op, err)
	}
	if flags&uvUDPReuseAddr != 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	if family == unix.AF_INET6 && flags&uvUDPIPv6Only != 0 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", net.JoinHostPort(ip.String(), strconv.Itoa(port)), err)
	}
	return os.NewFile(uintptr(fd), "cluster-shared-udp"), nil
}

// streamFromFD takes a duplicate of the primary's own descriptor fd (a
// worker's listen({fd}) names a descriptor of the primary, as in Node) when
// it is a TCP or Unix-domain stream socket; with listen, it is made
// listening (listen(2) on a listening socket only updates the backlog).
// Anything else is EINVAL, as Node answers.
func streamFromFD(fd int, listen bool) (*os.File, error) {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || typ != unix.SOCK_STREAM {
		return nil, syscall.EINVAL
	}
	// The family from getsockname: SO_DOMAIN is Linux's alone.
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, syscall.EINVAL
	}
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6, *unix.SockaddrUnix:
	default:
		return nil, syscall.EINVAL
	}
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0) // F_DUPFD_CLOEXEC: every supported Unix
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	if listen {
		if err := unix.Listen(nfd, defaultBacklog); err != nil {
			unix.Close(nfd)
			return nil, os.NewSyscallError("listen", err)
		}
	}
	return os.NewFile(uintptr(nfd), "cluster-fd-"+strconv.Itoa(fd)), nil
}

// socketControl sets the options Node's flags stand for before bind.
func socketControl(v6only, reuseAddr bool) func(string, string, syscall.RawConn) error {
	return func(network, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if reuseAddr {
				if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
					return
				}
			}
			if v6only && (network == "tcp6" || network == "udp6") {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}
}

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
	if ip.To4() != nil && !ip.Equal(net.IPv6zero) {
		family = unix.AF_INET
	}
	sa := inetSockaddr(family, ip, port)
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

// listenFD calls listen(2) on fd.
func listenFD(fd uintptr, backlog int) error {
	if err := unix.Listen(int(fd), backlog); err != nil {
		return os.NewSyscallError("listen", err)
	}
	return nil
}

// inetSockaddr is ip:port as a socket address of family (AF_INET or
// AF_INET6).
func inetSockaddr(family int, ip net.IP, port int) unix.Sockaddr {
	if family == unix.AF_INET {
		s := &unix.SockaddrInet4{Port: port}
		copy(s.Addr[:], ip.To4())
		return s
	}
	s := &unix.SockaddrInet6{Port: port}
	copy(s.Addr[:], ip.To16())
	return s
}
