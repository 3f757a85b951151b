//go:build windows

package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/windows"
)

// The socket calls of the cluster code on Windows, where Node's cluster
// shares TCP servers only (no Unix-domain paths, no dgram handles) and a
// shared server travels listening: libuv calls listen before it duplicates
// a server socket for another process, so a worker never listens itself.

// listenTCP listens on host:port as the round-robin primary's
// net.Server.listen({port, host, ipv6Only}) does.
func listenTCP(host string, port int, v6only bool) (net.Listener, error) {
	lc := net.ListenConfig{Control: socketControl(v6only, false)}
	return lc.Listen(context.Background(), "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
}

// bindTCPAddr creates the SCHED_NONE primary's TCP socket for ip:port,
// bound and, as libuv makes it before sharing it, listening; overlapped and
// not inheritable. The *os.File holds the socket handle.
func bindTCPAddr(ip net.IP, port int, v6only bool) (*os.File, error) {
	family := int32(windows.AF_INET6)
	if ip.To4() != nil && !ip.Equal(net.IPv6zero) {
		family = windows.AF_INET
	}
	s, err := windows.WSASocket(family, windows.SOCK_STREAM, windows.IPPROTO_TCP, nil, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	if err != nil {
		return nil, os.NewSyscallError("WSASocketW", err)
	}
	fail := func(op string, err error) (*os.File, error) {
		windows.Closesocket(s)
		return nil, os.NewSyscallError(op, err)
	}
	var sa windows.Sockaddr
	if family == windows.AF_INET {
		a := &windows.SockaddrInet4{Port: port}
		copy(a.Addr[:], ip.To4())
		sa = a
	} else {
		v := 0
		if v6only {
			v = 1
		}
		if err := windows.SetsockoptInt(s, windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, v); err != nil {
			return fail("setsockopt", err)
		}
		a := &windows.SockaddrInet6{Port: port}
		copy(a.Addr[:], ip.To16())
		sa = a
	}
	if err := windows.Bind(s, sa); err != nil {
		windows.Closesocket(s)
		return nil, fmt.Errorf("bind %s: %w", net.JoinHostPort(ip.String(), strconv.Itoa(port)), err)
	}
	if err := windows.Listen(s, windows.SOMAXCONN); err != nil {
		return fail("listen", err)
	}
	return os.NewFile(uintptr(s), "cluster-shared-socket"), nil
}

// socketControl sets the options Node's flags stand for before bind.
// libuv sets no SO_REUSEADDR on Windows (it would let another process take
// the port); reuseAddr is for UDP, which Windows cluster does not share.
func socketControl(v6only, _ bool) func(string, string, syscall.RawConn) error {
	return func(network, _ string, c syscall.RawConn) error {
		if !v6only || network != "tcp6" {
			return nil
		}
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = windows.SetsockoptInt(windows.Handle(fd), windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}
}

func bindUnix(string) (*os.File, error) { return nil, errWindows("Unix-domain socket servers") }

func bindUDP(string, int, bool, int64) (*os.File, error) { return nil, errWindows("dgram sockets") }

func streamFromFD(int, bool) (*os.File, error) { return nil, errWindows("listen({fd})") }

// listenFD is not reached on Windows: a shared server arrives listening.
func listenFD(uintptr, int) error { return errWindows("listening on a bound socket") }

func errWindows(what string) error {
	return fmt.Errorf("cluster: %s are not shared by Node's cluster on %s: %w", what, runtime.GOOS, errors.ErrUnsupported)
}
