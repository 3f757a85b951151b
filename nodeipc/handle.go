package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Node's handle type names (the `type` of a NODE_HANDLE envelope).
const (
	TypeServer      = "net.Server"
	TypeSocket      = "net.Socket"
	TypeNative      = "net.Native"
	TypeDgramSocket = "dgram.Socket"
	TypeDgramNative = "dgram.Native"
)

// SendHandleOptions configures SendHandle. A nil pointer means defaults.
type SendHandleOptions struct {
	// Native sends the socket as Node's raw handle type (net.Native or
	// dgram.Native) instead of net.Server, net.Socket or dgram.Socket. A
	// Node receiver then gets a bare TCP/Pipe/UDP handle object, as cluster
	// uses it.
	Native bool

	// KeepOpen, for a connection (net.Socket), keeps the caller's socket
	// open after the peer acknowledged it, as Node's `keepOpen: true` does.
	// By default a sent connection is moved, as in Node: SendHandle closes
	// the caller's conn once the peer has acknowledged it (both processes
	// holding it would keep the TCP connection open after the receiver
	// closes it). Listeners and UDP sockets are never closed by SendHandle:
	// they become shared, as in Node.
	KeepOpen bool

	// Key, for a connection accepted by a server, is Node's connection key
	// of that server ("<addressType>:<address>:<port>", e.g.
	// "4:127.0.0.1:8000"). A Node receiver then counts the socket in its
	// socket list for that key, so SocketCount and NotifyClose on this
	// channel can ask it how many of those sockets are still open.
	Key string
}

// SendHandle sends v together with a socket, like Node's
// `send(v, handle)`. h is one of *net.TCPListener, *net.UnixListener
// (sent as net.Server), *net.TCPConn, *net.UnixConn (net.Socket),
// *net.UDPConn (dgram.Socket), or any syscall.Conn or *os.File holding a TCP,
// Unix-domain stream, or UDP socket (sent as net.Native or dgram.Native).
//
// The descriptor travels with the first byte of the message. SendHandle
// waits for the peer's NODE_HANDLE_ACK and returns nil; messages sent
// meanwhile wait behind it, as in Node. A NODE_HANDLE_NACK makes it send
// the original envelope again (never double-wrapped, as Node does), up to 3
// more times, then it returns an error wrapping ErrHandleNotReceived. Unlike
// Node, which retransmits only net.Socket handles and silently drops the
// others, every handle type is retransmitted.
//
// Ownership: SendHandle duplicates the descriptor and closes its duplicate
// when the transfer ends. The caller's h stays the caller's, except that a
// connection sent without opts.KeepOpen is closed by SendHandle after the
// ACK (see SendHandleOptions.KeepOpen); when the transfer fails the caller
// keeps it. The socket is left in non-blocking mode, which Node requires.
// A *net.UnixListener removes its path when closed: call
// SetUnlinkOnClose(false) before closing a listener the peer still serves.
//
// If ctx ends before the message is written, nothing is sent and ctx.Err()
// is returned. If it ends while waiting for the ACK, SendHandle returns
// ctx.Err() but the transfer goes on: the peer may still receive the handle,
// and a moved connection is still closed when the ACK arrives.
func (c *Channel) SendHandle(ctx context.Context, v any, h any, opts *SendHandleOptions) error {
	var o SendHandleOptions
	if opts != nil {
		o = *opts
	}
	file, env, err := prepareHandle(h, &o)
	if err != nil {
		return err
	}
	b, err := c.codec.appendEnvelope(nil, env, v, c.opts.MaxMessageSize)
	if err != nil {
		file.Close()
		return err
	}
	oh := &outHandle{frame: b, file: file, result: make(chan error, 1)}
	if env.typ == TypeSocket && !o.KeepOpen {
		if cl, ok := h.(io.Closer); ok {
			oh.onAck = func() { cl.Close() }
		}
	}
	if err := c.w.send(ctx, &outFrame{b: b, h: oh}); err != nil {
		c.w.mu.Lock()
		inflight := c.w.inflight == oh
		c.w.mu.Unlock()
		if !inflight {
			select {
			case <-oh.result: // finished by abort
			default:
				file.Close()
			}
		}
		return err
	}
	select {
	case err := <-oh.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// prepareHandle duplicates h's descriptor and chooses the envelope.
func prepareHandle(h any, o *SendHandleOptions) (*os.File, *handleEnvelope, error) {
	sc, ok := h.(syscall.Conn)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %T is not a socket", ErrBadHandle, h)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadHandle, err)
	}
	var nfd int
	var info sockInfo
	var operr error
	cerr := rc.Control(func(fd uintptr) {
		info, operr = inspectSocket(int(fd))
		if operr != nil {
			return
		}
		nfd, operr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
		if operr == nil {
			// Node requires non-blocking descriptors (a blocking listener
			// hangs Node 18's event loop). Go's sockets already are.
			operr = unix.SetNonblock(nfd, true)
			if operr != nil {
				unix.Close(nfd)
			}
		}
	})
	if cerr != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadHandle, cerr)
	}
	if operr != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadHandle, operr)
	}
	env := &handleEnvelope{}
	switch {
	case info.typ == unix.SOCK_DGRAM && info.inet():
		env.typ = TypeDgramSocket
		env.dgramType = "udp4"
		if info.domain == unix.AF_INET6 {
			env.dgramType = "udp6"
		}
		if o.Native {
			env.typ, env.dgramType = TypeDgramNative, ""
		}
	case info.typ == unix.SOCK_STREAM && (info.inet() || info.domain == unix.AF_UNIX):
		switch {
		case o.Native:
			env.typ = TypeNative
		case info.listening:
			env.typ = TypeServer
		default:
			env.typ = TypeSocket
			env.key = o.Key
		}
	default:
		unix.Close(nfd)
		return nil, nil, fmt.Errorf("%w: only TCP, Unix-domain stream and UDP sockets can be sent to Node (got %s)", ErrBadHandle, info)
	}
	return os.NewFile(uintptr(nfd), "nodeipc-sent-handle"), env, nil
}

// sockInfo describes a socket descriptor.
type sockInfo struct {
	socket    bool
	domain    int
	typ       int
	listening bool
}

func (s sockInfo) inet() bool { return s.domain == unix.AF_INET || s.domain == unix.AF_INET6 }

func (s sockInfo) String() string {
	if !s.socket {
		return "a descriptor that is not a socket"
	}
	return fmt.Sprintf("a socket of domain %d type %d", s.domain, s.typ)
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
	if info.domain, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil {
		return info, os.NewSyscallError("getsockopt", err)
	}
	if info.typ == unix.SOCK_STREAM {
		acc, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		info.listening = err == nil && acc != 0
	}
	return info, nil
}

// convertHandle turns a received descriptor into the Go socket type for
// Node's handle type. It always consumes f.
func convertHandle(f *os.File, typ string) (any, error) {
	defer f.Close()
	if typ == TypeSocket {
		// The common case (a server handing over connections) is checked
		// after the conversion, which already asks the kernel most of what
		// inspectSocket would.
		if c := socketConn(f); c != nil {
			return c, nil
		}
	}
	var info sockInfo
	var ierr error
	sc, err := f.SyscallConn()
	if err == nil {
		err = sc.Control(func(fd uintptr) { info, ierr = inspectSocket(int(fd)) })
	}
	if err == nil {
		err = ierr
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHandle, err)
	}
	stream := info.typ == unix.SOCK_STREAM && (info.inet() || info.domain == unix.AF_UNIX)
	dgram := info.typ == unix.SOCK_DGRAM && info.inet()
	mismatch := func() (any, error) {
		return nil, fmt.Errorf("%w: %s cannot be a %s", ErrBadHandle, info, typ)
	}
	switch typ {
	case TypeServer:
		if !stream || !info.listening {
			return mismatch()
		}
		return net.FileListener(f)
	case TypeSocket:
		if !stream || info.listening {
			return mismatch()
		}
		return net.FileConn(f)
	case TypeNative:
		if !stream {
			return mismatch()
		}
		if info.listening {
			return net.FileListener(f)
		}
		if connected(f) {
			return net.FileConn(f)
		}
		// A bound socket that is not listening yet (a cluster primary's
		// shared handle): hand over a duplicate for the caller to listen on.
		return dupFile(f)
	case TypeDgramSocket, TypeDgramNative:
		if !dgram {
			return mismatch()
		}
		pc, err := net.FilePacketConn(f)
		if err != nil {
			return nil, err
		}
		u, ok := pc.(*net.UDPConn)
		if !ok {
			pc.Close()
			return mismatch()
		}
		return u, nil
	}
	return nil, fmt.Errorf("%w: unknown handle type %q", ErrBadHandle, typ)
}

// socketConn returns f as a connected TCP or Unix-domain stream conn, or
// nil if it is not one.
func socketConn(f *os.File) net.Conn {
	c, err := net.FileConn(f)
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

func connected(f *os.File) bool {
	sc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var perr error
	if err := sc.Control(func(fd uintptr) { _, perr = unix.Getpeername(int(fd)) }); err != nil {
		return false
	}
	return perr == nil
}

func dupFile(f *os.File) (*os.File, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	if err := sc.Control(func(fd uintptr) { nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl", derr)
	}
	return os.NewFile(uintptr(nfd), "nodeipc-bound-socket"), nil
}

func closeHandle(h any) {
	if cl, ok := h.(io.Closer); ok {
		cl.Close()
	}
}

// TrackedConn is a received net.Socket that the sending process tracks in
// a socket list (the message had a connection key). Closing it tells the
// sender, so that Node's server.getConnections() and server.close() in the
// sending process see it go. Use it as any net.Conn; NetConn returns the
// underlying *net.TCPConn or *net.UnixConn for type-specific methods, but
// close the TrackedConn, not the underlying conn.
type TrackedConn struct {
	net.Conn
	once    sync.Once
	onClose func()
}

// Close closes the connection and updates the sender's socket list. It is
// safe to call more than once.
func (t *TrackedConn) Close() error {
	err := t.Conn.Close()
	t.once.Do(t.onClose)
	return err
}

// NetConn returns the underlying connection.
func (t *TrackedConn) NetConn() net.Conn { return t.Conn }

var errNoMsg = errors.New("NODE_HANDLE without msg")
