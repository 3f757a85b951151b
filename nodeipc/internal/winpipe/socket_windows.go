//go:build windows

package winpipe

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Winsock calls x/sys/windows does not wrap.
var (
	modws2             = windows.NewLazySystemDLL("ws2_32.dll")
	procIoctlsocket    = modws2.NewProc("ioctlsocket")
	procWSAEventSelect = modws2.NewProc("WSAEventSelect")
)

const (
	fionbio          = 0x8004667e
	fromProtocolInfo = -1 // FROM_PROTOCOL_INFO
)

var wsaStartup = sync.OnceValue(func() error {
	var d windows.WSAData
	return windows.WSAStartup(0x0202, &d)
})

func init() {
	if unsafe.Sizeof(windows.WSAProtocolInfo{}) != ProtocolInfoSize {
		panic("winpipe: WSAPROTOCOL_INFOW is not 628 bytes")
	}
}

// ImportSocket creates this process's socket from a transfer block a peer
// made with WSADuplicateSocketW for this process (libuv's
// uv__tcp_xfer_import). The socket is overlapped and not inheritable; the
// caller owns it (close it with windows.Closesocket, or hand it to NewConn or
// NewListener).
func ImportSocket(info *[ProtocolInfoSize]byte) (windows.Handle, error) {
	if err := wsaStartup(); err != nil {
		return windows.InvalidHandle, os.NewSyscallError("WSAStartup", err)
	}
	var pi windows.WSAProtocolInfo
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&pi)), ProtocolInfoSize), info[:])
	s, err := windows.WSASocket(fromProtocolInfo, fromProtocolInfo, fromProtocolInfo, &pi, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	if err != nil {
		return windows.InvalidHandle, os.NewSyscallError("WSASocketW", err)
	}
	return s, nil
}

// DuplicateFor makes the transfer block that lets process pid create its own
// socket for s (libuv's uv__tcp_xfer_export). s stays the caller's. Once the
// block is made the duplicate exists for pid: send it.
func DuplicateFor(s windows.Handle, pid uint32) (info [ProtocolInfoSize]byte, err error) {
	if err := wsaStartup(); err != nil {
		return info, os.NewSyscallError("WSAStartup", err)
	}
	var pi windows.WSAProtocolInfo
	if err := windows.WSADuplicateSocket(s, pid, &pi); err != nil {
		return info, os.NewSyscallError("WSADuplicateSocketW", err)
	}
	copy(info[:], unsafe.Slice((*byte)(unsafe.Pointer(&pi)), ProtocolInfoSize))
	return info, nil
}

// SocketInfo reports a socket's address family, type and whether it listens.
func SocketInfo(s windows.Handle) (family, typ int, listening bool, err error) {
	sa, err := windows.Getsockname(s)
	if err != nil {
		return 0, 0, false, os.NewSyscallError("getsockname", err)
	}
	switch sa.(type) {
	case *windows.SockaddrInet4:
		family = windows.AF_INET
	case *windows.SockaddrInet6:
		family = windows.AF_INET6
	case *windows.SockaddrUnix:
		family = windows.AF_UNIX
	}
	typ, err = windows.GetsockoptInt(s, windows.SOL_SOCKET, 0x1008) // SO_TYPE
	if err != nil {
		return family, 0, false, os.NewSyscallError("getsockopt", err)
	}
	acc, err := windows.GetsockoptInt(s, windows.SOL_SOCKET, 0x0002) // SO_ACCEPTCONN
	return family, typ, err == nil && acc != 0, nil
}

func setBlocking(s windows.Handle, blocking bool) error {
	var arg uint32 = 1
	if blocking {
		arg = 0
	}
	r, _, e := procIoctlsocket.Call(uintptr(s), fionbio, uintptr(unsafe.Pointer(&arg)))
	if r != 0 {
		return os.NewSyscallError("ioctlsocket", e)
	}
	return nil
}

func tcpAddr(sa windows.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *windows.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *windows.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return &net.TCPAddr{}
}

// Listener is a listening TCP socket received from the peer, as a
// net.Listener. Accept posts an overlapped AcceptEx, as libuv does, and waits
// for it together with Close's and SetDeadline's wake-up event: several
// processes sharing the socket (a cluster's shared handle) each have their
// own pending accept, and the system hands each connection to one of them.
// While an Accept waits it occupies an OS thread (the runtime starts another
// for the rest of the program); an idle Listener costs nothing. Safe for
// concurrent use (Accepts take turns).
type Listener struct {
	s      windows.Handle
	family int32
	addr   net.Addr
	wakeE  windows.Handle // Close or a new deadline

	mu       sync.Mutex
	closed   bool
	deadline time.Time
	active   sync.WaitGroup // Accept calls in progress

	acc   accIO // owned by the holder of accMu
	accMu sync.Mutex
}

// accIO is the state of one AcceptEx: heap memory the kernel writes to
// while it is pending.
type accIO struct {
	o   windows.Overlapped
	ev  windows.Handle
	buf [2 * (acceptAddrLen)]byte
}

// acceptAddrLen is AcceptEx's room for one address: a sockaddr_storage plus
// the 16 bytes it requires.
const acceptAddrLen = 128 + 16

// NewListener wraps a listening stream socket; it owns s from then on (on
// error s is closed).
func NewListener(s windows.Handle) (*Listener, error) {
	l := &Listener{s: s, family: windows.AF_INET}
	if sa, err := windows.Getsockname(s); err == nil {
		l.addr = tcpAddr(sa)
		if _, ok := sa.(*windows.SockaddrInet6); ok {
			l.family = windows.AF_INET6
		}
	}
	// A received listening socket may be tied to an event by the sender
	// (WSAEventSelect), which would make it non-blocking for good.
	procWSAEventSelect.Call(uintptr(s), 0, 0)
	var err error
	if l.acc.ev, err = windows.CreateEvent(nil, 1, 0, nil); err == nil {
		l.wakeE, err = windows.CreateEvent(nil, 1, 0, nil)
	}
	if err != nil {
		l.release()
		return nil, os.NewSyscallError("CreateEvent", err)
	}
	return l, nil
}

// SyscallConn returns the raw listening socket, for Control (Read and
// Write are not supported), so that a Listener satisfies syscall.Conn like
// the socket types of package net.
func (l *Listener) SyscallConn() (syscall.RawConn, error) {
	return rawSocket{&l.mu, &l.closed, l.s}, nil
}

func (l *Listener) release() {
	windows.Closesocket(l.s)
	for _, e := range []windows.Handle{l.acc.ev, l.wakeE} {
		if e != 0 {
			windows.CloseHandle(e)
		}
	}
}

// Accept waits for the next connection. After Close it returns an error
// wrapping net.ErrClosed; past the deadline one wrapping
// os.ErrDeadlineExceeded.
func (l *Listener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, l.opErr(net.ErrClosed)
	}
	l.active.Add(1)
	l.mu.Unlock()
	defer l.active.Done()
	l.accMu.Lock()
	defer l.accMu.Unlock()
	for {
		c, err := l.acceptOnce()
		if c != windows.InvalidHandle {
			conn, err := NewConn(c)
			if err != nil {
				return nil, l.opErr(err)
			}
			return conn, nil
		}
		switch {
		case err == nil: // a new deadline: post again
		case errors.Is(err, windows.WSAECONNRESET): // reset before it was accepted
		default:
			return nil, l.opErr(err)
		}
	}
}

// acceptOnce posts one AcceptEx and waits for it, Close, or the deadline
// (or a new deadline: it then returns neither a socket nor an error).
func (l *Listener) acceptOnce() (windows.Handle, error) {
	l.mu.Lock()
	closed, deadline := l.closed, l.deadline
	windows.ResetEvent(l.wakeE)
	l.mu.Unlock()
	if closed {
		return windows.InvalidHandle, net.ErrClosed
	}
	wait := uint32(windows.INFINITE)
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return windows.InvalidHandle, os.ErrDeadlineExceeded
		}
		wait = uint32(min(d.Milliseconds()+1, 0xfffffffe))
	}
	as, err := windows.WSASocket(l.family, windows.SOCK_STREAM, windows.IPPROTO_TCP, nil, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	if err != nil {
		return windows.InvalidHandle, os.NewSyscallError("WSASocketW", err)
	}
	a := &l.acc
	windows.ResetEvent(a.ev)
	a.o = windows.Overlapped{HEvent: notOnPort(a.ev)}
	var n uint32
	err = windows.AcceptEx(l.s, as, &a.buf[0], 0, acceptAddrLen, acceptAddrLen, &n, &a.o)
	if err == windows.ERROR_IO_PENDING {
		ev, werr := windows.WaitForMultipleObjects([]windows.Handle{a.ev, l.wakeE}, false, wait)
		if werr != nil || ev != windows.WAIT_OBJECT_0 {
			windows.CancelIoEx(l.s, &a.o)
		}
		// The result, once the kernel is done with a.o: a connection
		// accepted while the cancel raced is kept.
		err = overlappedResult(l.s, &a.o, a.ev, &n)
		if err != nil && (werr != nil || ev != windows.WAIT_OBJECT_0) {
			windows.Closesocket(as)
			if werr != nil {
				return windows.InvalidHandle, os.NewSyscallError("WaitForMultipleObjects", werr)
			}
			if ev == uint32(windows.WAIT_TIMEOUT) {
				return windows.InvalidHandle, os.ErrDeadlineExceeded
			}
			return windows.InvalidHandle, nil // woken: look at closed and the deadline again
		}
	}
	if err != nil {
		windows.Closesocket(as)
		return windows.InvalidHandle, os.NewSyscallError("AcceptEx", err)
	}
	if err := windows.Setsockopt(as, windows.SOL_SOCKET, windows.SO_UPDATE_ACCEPT_CONTEXT,
		(*byte)(unsafe.Pointer(&l.s)), int32(unsafe.Sizeof(l.s))); err != nil {
		windows.Closesocket(as)
		return windows.InvalidHandle, os.NewSyscallError("setsockopt", err)
	}
	return as, nil
}

func (l *Listener) opErr(err error) error {
	return &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: err}
}

// SetDeadline sets the deadline of pending and future Accepts.
func (l *Listener) SetDeadline(t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.opErr(net.ErrClosed)
	}
	l.deadline = t
	windows.SetEvent(l.wakeE)
	return nil
}

// Close stops listening; Accepts in progress return. It closes the socket
// once they have.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return l.opErr(net.ErrClosed)
	}
	l.closed = true
	windows.SetEvent(l.wakeE)
	l.mu.Unlock()
	l.active.Wait()
	l.release()
	return nil
}

// Addr is the listening address.
func (l *Listener) Addr() net.Addr { return l.addr }

// ErrNotTCP is returned for sockets Node cannot transfer on Windows.
var ErrNotTCP = errors.New("only TCP sockets (net.Server, net.Socket) can be transferred on Windows")
