//go:build windows

package winpipe

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Conn is a connected TCP socket received from the peer (or accepted on a
// received Listener), as a net.Conn.
//
// Its I/O is overlapped WSARecv/WSASend, each waited for on an event together
// with Close's and SetDeadline's wake-up events, rather than through the
// runtime's completion port: a socket imported from a WSAPROTOCOL_INFOW may
// not be recognised as overlapped by os.NewFile (under wine it is not), and
// then its reads could be neither interrupted nor given deadlines. A Read or
// Write in progress occupies an OS thread (the runtime starts another for
// the rest of the program); an idle Conn costs nothing. Data goes through a
// buffer of the Conn, never the caller's slice, so the kernel never writes
// into memory the Go runtime might move.
//
// Safe for concurrent use as a net.Conn is: one Read and one Write may run
// at once, and Close or a deadline interrupts both. Close closes the socket.
type Conn struct {
	s            windows.Handle
	laddr, raddr net.Addr
	closeE       windows.Handle // set by Close

	mu     sync.Mutex
	closed bool
	rd, wr connIO
}

// connIO is one direction's state; mu serializes its operations.
type connIO struct {
	mu       sync.Mutex
	o        windows.Overlapped
	ev       windows.Handle // completion of o
	wakeE    windows.Handle // a new deadline
	deadline time.Time      // guarded by Conn.mu
	buf      []byte
}

const connBufSize = 64 << 10

// NewConn wraps a connected stream socket; it owns s from then on (on error
// s is closed).
func NewConn(s windows.Handle) (*Conn, error) {
	// A received or accepted socket may be non-blocking (libuv sets
	// FIONBIO) or tied to the listener's event (WSAEventSelect): overlapped
	// I/O wants neither.
	procWSAEventSelect.Call(uintptr(s), 0, 0)
	setBlocking(s, true)
	c := &Conn{s: s}
	if sa, err := windows.Getsockname(s); err == nil {
		c.laddr = tcpAddr(sa)
	}
	if sa, err := windows.Getpeername(s); err == nil {
		c.raddr = tcpAddr(sa)
	}
	var err error
	evs := []*windows.Handle{&c.closeE, &c.rd.ev, &c.rd.wakeE, &c.wr.ev, &c.wr.wakeE}
	for _, e := range evs {
		if *e, err = windows.CreateEvent(nil, 1, 0, nil); err != nil {
			c.release()
			return nil, os.NewSyscallError("CreateEvent", err)
		}
	}
	c.rd.o.HEvent, c.wr.o.HEvent = notOnPort(c.rd.ev), notOnPort(c.wr.ev)
	c.rd.buf = make([]byte, connBufSize)
	c.wr.buf = make([]byte, connBufSize)
	return c, nil
}

// notOnPort marks an OVERLAPPED's event so that the operation's completion
// is not queued to an I/O completion port (the low bit of hEvent). A socket
// received from Node is the same socket object as the sender's, which
// libuv associated with its own port: without the mark, the completion of
// an operation here would reach the other process's port, with an OVERLAPPED
// pointer of this process (libuv marks its own events the same way when it
// uses a shared socket).
func notOnPort(ev windows.Handle) windows.Handle { return ev | 1 }

// overlappedResult waits for the operation of o (whose event is ev) to end
// and returns its result.
func overlappedResult(s windows.Handle, o *windows.Overlapped, ev windows.Handle, done *uint32) error {
	if _, err := windows.WaitForSingleObject(ev, windows.INFINITE); err != nil {
		return os.NewSyscallError("WaitForSingleObject", err)
	}
	return windows.GetOverlappedResult(s, o, done, false)
}

func (c *Conn) release() {
	windows.Closesocket(c.s)
	for _, e := range []windows.Handle{c.closeE, c.rd.ev, c.rd.wakeE, c.wr.ev, c.wr.wakeE} {
		if e != 0 {
			windows.CloseHandle(e)
		}
	}
}

func (c *Conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.laddr, Addr: c.raddr, Err: err}
}

// do runs one overlapped operation of at most connBufSize bytes on d.buf and
// waits for it, for Close, or for the deadline.
func (c *Conn) do(d *connIO, op string, n int) (int, error) {
	c.mu.Lock()
	closed, deadline := c.closed, d.deadline
	windows.ResetEvent(d.wakeE)
	c.mu.Unlock()
	if closed {
		return 0, c.opErr(op, net.ErrClosed)
	}
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return 0, c.opErr(op, os.ErrDeadlineExceeded)
	}
	windows.ResetEvent(d.ev)
	wb := windows.WSABuf{Len: uint32(n), Buf: unsafe.SliceData(d.buf)}
	var done, flags uint32
	var err error
	if op == "read" {
		err = windows.WSARecv(c.s, &wb, 1, &done, &flags, &d.o, nil)
	} else {
		err = windows.WSASend(c.s, &wb, 1, &done, 0, &d.o, nil)
	}
	if err != nil && err != windows.ERROR_IO_PENDING {
		return 0, c.opErr(op, os.NewSyscallError("WSA"+op, err))
	}
	for {
		wait := uint32(windows.INFINITE)
		if !deadline.IsZero() {
			wait = uint32(max(0, min(time.Until(deadline).Milliseconds()+1, 0xfffffffe)))
		}
		ev, werr := windows.WaitForMultipleObjects([]windows.Handle{d.ev, c.closeE, d.wakeE}, false, wait)
		if werr != nil {
			return 0, c.opErr(op, os.NewSyscallError("WaitForMultipleObjects", werr))
		}
		var stop error
		switch ev {
		case windows.WAIT_OBJECT_0:
		case windows.WAIT_OBJECT_0 + 1:
			stop = net.ErrClosed
		case windows.WAIT_OBJECT_0 + 2:
			c.mu.Lock()
			deadline = d.deadline
			windows.ResetEvent(d.wakeE)
			c.mu.Unlock()
			continue
		default: // timeout
			if time.Now().Before(deadline) {
				continue
			}
			stop = os.ErrDeadlineExceeded
		}
		if stop != nil {
			windows.CancelIoEx(c.s, &d.o)
		}
		// Wait for the operation to end (at once after a cancellation):
		// the kernel must be done with d.o and d.buf before they are reused.
		err := overlappedResult(c.s, &d.o, d.ev, &done)
		if err == nil {
			return int(done), nil // completed, even if just cancelled: keep the data
		}
		if stop != nil {
			return 0, c.opErr(op, stop)
		}
		return 0, c.opErr(op, os.NewSyscallError("WSA"+op, err))
	}
}

// Read reads up to len(b) bytes; io.EOF after the peer's shutdown.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.rd.mu.Lock()
	defer c.rd.mu.Unlock()
	n, err := c.do(&c.rd, "read", min(len(b), connBufSize))
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, io.EOF
	}
	return copy(b, c.rd.buf[:n]), nil
}

// Write writes all of b, or fails.
func (c *Conn) Write(b []byte) (int, error) {
	c.wr.mu.Lock()
	defer c.wr.mu.Unlock()
	total := 0
	for total < len(b) {
		k := copy(c.wr.buf, b[total:])
		n, err := c.do(&c.wr, "write", k)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Close closes the socket, once Reads and Writes in progress have returned
// (Close makes them return at once).
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opErr("close", net.ErrClosed)
	}
	c.closed = true
	windows.SetEvent(c.closeE)
	c.mu.Unlock()
	c.rd.mu.Lock()
	c.wr.mu.Lock()
	defer c.rd.mu.Unlock()
	defer c.wr.mu.Unlock()
	c.release()
	return nil
}

func (c *Conn) LocalAddr() net.Addr  { return c.laddr }
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of pending and future Reads.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.setDeadline(&c.rd, t) }

// SetWriteDeadline sets the deadline of pending and future Writes.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(&c.wr, t) }

func (c *Conn) setDeadline(d *connIO, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("set deadline", net.ErrClosed)
	}
	d.deadline = t
	windows.SetEvent(d.wakeE)
	return nil
}

// CloseWrite shuts down the sending side: the peer reads EOF.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("close", net.ErrClosed)
	}
	if err := windows.Shutdown(c.s, windows.SHUT_WR); err != nil {
		return c.opErr("close", os.NewSyscallError("shutdown", err))
	}
	return nil
}

// SyscallConn gives access to the socket (SendHandle uses it to pass the
// socket on).
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	return rawSocket{&c.mu, &c.closed, c.s}, nil
}

// rawSocket is the syscall.RawConn of a Conn or a Listener: Control runs f
// on the socket while mu is held and closed is false (so the socket cannot
// be closed under f); Read and Write are not supported.
type rawSocket struct {
	mu     *sync.Mutex
	closed *bool
	s      windows.Handle
}

func (r rawSocket) Control(f func(fd uintptr)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if *r.closed {
		return net.ErrClosed
	}
	f(uintptr(r.s))
	return nil
}

func (rawSocket) Read(func(fd uintptr) bool) error  { return syscall.EWINDOWS }
func (rawSocket) Write(func(fd uintptr) bool) error { return syscall.EWINDOWS }
