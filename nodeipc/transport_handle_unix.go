//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// rxHandle is a received descriptor (see transport.go). The zero value is
// no handle.
type rxHandle struct{ f *os.File }

func (h rxHandle) close() error {
	if h.f == nil {
		return nil
	}
	return h.f.Close()
}

// control runs fn on the descriptor.
func (h rxHandle) control(fn func(fd int)) error {
	sc, err := h.f.SyscallConn()
	if err != nil {
		return err
	}
	return sc.Control(func(fd uintptr) { fn(int(fd)) })
}

// inspect classifies the descriptor without changing it.
func (h rxHandle) inspect() (sockInfo, error) {
	var info sockInfo
	var ierr error
	if err := h.control(func(fd int) { info, ierr = inspectSocket(fd) }); err != nil {
		return sockInfo{}, err
	}
	return info, ierr
}

// streamConn returns the descriptor as a connected TCP or Unix-domain
// stream net.Conn (of its own, a duplicate), or nil if it is not one.
func (h rxHandle) streamConn() net.Conn {
	c, err := net.FileConn(h.f)
	if err != nil {
		return nil
	}
	ok := false
	switch cc := c.(type) {
	case *net.TCPConn:
		ok = cc.RemoteAddr() != nil
	case *net.UnixConn:
		ok = cc.LocalAddr().Network() == "unix" && cc.RemoteAddr() != nil
	}
	if !ok {
		c.Close()
		return nil
	}
	return c
}

func (h rxHandle) conn() (net.Conn, error)         { return net.FileConn(h.f) }
func (h rxHandle) listener() (net.Listener, error) { return net.FileListener(h.f) }

// packetConn returns the descriptor as a *net.UDPConn, or nil with no error
// when it is a datagram socket of another kind.
func (h rxHandle) packetConn() (*net.UDPConn, error) {
	pc, err := net.FilePacketConn(h.f)
	if err != nil {
		return nil, err
	}
	u, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return nil, nil
	}
	return u, nil
}

// connected reports whether the socket has a peer.
func (h rxHandle) connected() bool {
	var perr error
	if err := h.control(func(fd int) { _, perr = unix.Getpeername(fd) }); err != nil {
		return false
	}
	return perr == nil
}

// unbound returns a stream socket that is neither listening nor connected
// (a cluster primary's bound handle) as an *os.File of its own, for the
// caller to listen on.
func (h rxHandle) unbound() (any, error) {
	var nfd int
	var derr error
	if err := h.control(func(fd int) { nfd, derr = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl", derr)
	}
	return os.NewFile(uintptr(nfd), "nodeipc-bound-socket"), nil
}

// txHandle is the transport's duplicate of a socket being sent.
type txHandle struct{ f *os.File }

func (h txHandle) close() error {
	if h.f == nil {
		return nil
	}
	return h.f.Close()
}

// dupHandle duplicates the descriptor of h (a syscall.Conn, which includes
// *os.File and Go's socket types) close-on-exec and non-blocking (Node
// requires non-blocking descriptors: a blocking listener hangs Node 18's
// event loop; Go's sockets already are), and classifies it.
func dupHandle(h any) (txHandle, sockInfo, error) {
	var nfd int
	var info sockInfo
	err := controlHandle(h, func(fd uintptr) error {
		var err error
		if info, err = inspectSocket(int(fd)); err != nil {
			return err
		}
		if nfd, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0); err != nil {
			return err
		}
		if err = unix.SetNonblock(nfd, true); err != nil {
			unix.Close(nfd)
			return err
		}
		return nil
	})
	if err != nil {
		return txHandle{}, sockInfo{}, err
	}
	return txHandle{f: os.NewFile(uintptr(nfd), "nodeipc-sent-handle")}, info, nil
}

// inspectSocket classifies fd the way libuv's uv_guess_handle does, without
// changing it.
func inspectSocket(fd int) (sockInfo, error) {
	info := sockInfo{socket: true}
	var err error
	if info.typ, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
		if err == unix.ENOTSOCK {
			return sockInfo{}, nil
		}
		return sockInfo{}, os.NewSyscallError("getsockopt", err)
	}
	if info.domain, err = socketDomain(fd); err != nil {
		return info, os.NewSyscallError("getsockname", err)
	}
	switch info.domain {
	case unix.AF_UNIX:
		info.family = famUnix
	case unix.AF_INET:
		info.family = famInet4
	case unix.AF_INET6:
		info.family = famInet6
	}
	switch info.typ {
	case unix.SOCK_STREAM:
		info.kind = kindStream
		acc, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		info.listening = err == nil && acc != 0
	case unix.SOCK_DGRAM:
		info.kind = kindDgram
	}
	return info, nil
}
