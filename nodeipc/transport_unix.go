//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sockTransport is the channel over one end of an AF_UNIX SOCK_STREAM
// socketpair, as libuv's uv_pipe_t with ipc=1 uses it on Unix: a byte
// stream, with descriptors passed as SCM_RIGHTS on the first byte of the
// message they belong to. See transport.go for the contract.
const transportSupported = true

var _ transport = (*sockTransport)(nil)

type sockTransport struct {
	conn *net.UnixConn
	rc   syscall.RawConn

	// Read scratch, owned by the read-token holder (see recvmsg).
	readFn func(fd uintptr) bool // t.tryRecvmsg, bound once
	rs     recvScratch           // per recvmsg variant (transport_recvmsg_*.go)
	rn     int
	rerr   unix.Errno
	oob    []byte
	got    []rxHandle
	spin   spinPolicy // how a read that finds nothing waits (spin.go)
}

func newTransport(conn *net.UnixConn) (transport, error) {
	if conn == nil {
		return nil, errors.New("nil conn")
	}
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	tuneChannel(rc)
	return &sockTransport{conn: conn, rc: rc}, nil
}

func (t *sockTransport) setup(maxHandles int, spinWait time.Duration) {
	t.readFn = t.tryRecvmsg
	t.oob = make([]byte, unix.CmsgSpace(4*maxHandles))
	t.spin.init(spinWait)
}

func (t *sockTransport) close() error { return t.conn.Close() }

// read is recvmsg on the socket; see transport.go.
func (t *sockTransport) read(p []byte, last framing) (n int, got []rxHandle, truncated bool, ctlErr, err error) {
	if last != framingUnknown {
		t.framed(last == framingWhole) // SPIN POLICY: did the last read complete a message?
	}
	n, oobn, flags, err := t.recvmsg(p, t.oob)
	got = t.got[:0]
	if oobn > 0 {
		got, ctlErr = parseRights(got, t.oob[:oobn])
	}
	t.got = got
	return n, got, flags&unix.MSG_CTRUNC != 0, ctlErr, err
}

// recvmsg reads from the socket, parking on the netpoller while no data is
// available. Received descriptors are close-on-exec (see tryRecvmsg). The
// preallocated msghdr and callback make a read allocation-free.
func (t *sockTransport) recvmsg(p, oob []byte) (n, oobn, flags int, err error) {
	t.recvPrepare(p, oob)
	t.rn, t.rerr = 0, 0
	err = t.rc.Read(t.readFn)
	n = t.rn
	oobn, flags = t.recvDone() // and drops the buffer pointers
	if err == nil && t.rerr != 0 {
		err = os.NewSyscallError("recvmsg", t.rerr)
	}
	if err != nil || t.rerr != 0 {
		oobn, flags = 0, 0
	}
	return n, oobn, flags, err
}

// tryRecvmsg is the RawConn.Read callback of recvmsg: one non-blocking
// recvmsg (recvmsgOnce, per platform) with the prepared msghdr, repeated
// while the spin policy says so. It reports false to park on the netpoller.
//
// Before parking it may wait in the kernel, on this goroutine's thread,
// for up to Options.SpinWait (spin.go): on a request/reply channel the
// answer often arrives within tens of microseconds, and parking and waking
// through the netpoller costs about as much again. The poller's
// guarantees (deadlines, Close) are kept, delayed by at most SpinWait.
func (t *sockTransport) tryRecvmsg(fd uintptr) bool {
	for {
		r, e := t.recvmsgOnce(fd)
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN {
			if t.spin.again(fd) { // SPIN POLICY: read again, or park?
				continue
			}
			return false
		}
		t.spin.woke() // SPIN POLICY: the read completed
		if e != 0 {
			r = 0
		}
		t.rn, t.rerr = r, e
		return true
	}
}

func (t *sockTransport) write(b []byte) (int, error) {
	t.spin.wrote() // SPIN POLICY: a reply may be due
	return t.conn.Write(b)
}

// writeHandle sends h's descriptor on the first sendmsg only; a short write
// is finished with plain writes, so the peer receives the descriptor exactly
// once, with the frame's first byte.
func (t *sockTransport) writeHandle(b []byte, h txHandle) (int, error) {
	t.spin.wrote() // SPIN POLICY: a reply may be due
	if h.f == nil {
		return 0, errors.New("writeHandle: no handle")
	}
	var oob []byte
	sc, err := h.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	if cerr := sc.Control(func(fd uintptr) { oob = unix.UnixRights(int(fd)) }); cerr != nil {
		return 0, cerr
	}
	n, _, err := t.conn.WriteMsgUnix(b, oob, nil)
	if err != nil || n == len(b) {
		return n, err
	}
	m, err := t.conn.Write(b[n:])
	return n + m, err
}

// writev writes bufs with writev (net.Buffers consumes its own copy of the
// slice header and advances the elements).
func (t *sockTransport) writev(bufs [][]byte) error {
	t.spin.wrote() // SPIN POLICY: a reply may be due
	b := net.Buffers(bufs)
	_, err := b.WriteTo(t.conn)
	return err
}

func (t *sockTransport) tryWrite(b []byte) int {
	t.spin.wrote() // SPIN POLICY: a reply may be due
	var n int
	var werr error
	err := t.rc.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.Write(int(fd), b)
			if werr != unix.EINTR {
				return true
			}
		}
	})
	if err != nil || werr != nil || n < 0 {
		return 0
	}
	return n
}

func (t *sockTransport) interruptRead()  { t.conn.SetReadDeadline(aLongTimeAgo) }
func (t *sockTransport) resumeRead()     { t.conn.SetReadDeadline(time.Time{}) }
func (t *sockTransport) interruptWrite() { t.conn.SetWriteDeadline(aLongTimeAgo) }
func (t *sockTransport) resumeWrite()    { t.conn.SetWriteDeadline(time.Time{}) }
