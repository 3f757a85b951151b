package nodeipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// memTransport is an in-memory transport: two ends connected like a
// socketpair, with a bounded buffer per direction (so that a writer blocks
// when the reader does not read, as on a socket), handles riding on the
// first byte of the write that carried them, interruptions and close. It
// blocks only on channels, so a Channel over it runs inside a
// testing/synctest bubble and its timers run on the bubble's clock.
//
// The test drives the other end (memPeer) directly: it writes frames as the
// peer would and reads what the channel wrote.
//
// Models: Go's net/net_fake.go and net.Pipe; golang.org/x/net/http2's
// synctest tests over a fake net.Conn.
type memTransport struct {
	n    *memNet
	side int // 0 or 1; reads dir[side], writes dir[1-side]
}

var _ transport = (*memTransport)(nil)

// memNet is the state of a connected pair, under one mutex. changed is
// closed and replaced at every change; a waiter takes it under mu and waits
// on it after unlocking.
type memNet struct {
	mu      sync.Mutex
	changed chan struct{}
	dir     [2]memDir
	end     [2]memEndState
	reads   [2]int // read calls that returned data, per side (for tests)
}

// memDir is one direction: bytes written by one side for the other.
type memDir struct {
	data  []byte
	marks []memMark // handles, at offsets into data
	cap   int       // bytes the direction holds before a write waits
	eof   bool      // the writing side closed
}

type memMark struct {
	off int
	h   rxHandle
}

type memEndState struct {
	closed         bool
	rdIntr, wrIntr bool
	reset          bool // closed with a reset: the other end's reads fail with ECONNRESET
}

// memPipeCap is the default buffer of one direction.
const memPipeCap = 64 << 10

// newMemPair returns two connected ends, each direction holding capacity
// bytes (memPipeCap if 0).
func newMemPair(capacity int) (*memTransport, *memTransport) {
	if capacity <= 0 {
		capacity = memPipeCap
	}
	n := &memNet{changed: make(chan struct{})}
	n.dir[0].cap, n.dir[1].cap = capacity, capacity
	return &memTransport{n: n, side: 0}, &memTransport{n: n, side: 1}
}

// broadcast wakes every waiter. n.mu is held.
func (n *memNet) broadcast() {
	close(n.changed)
	n.changed = make(chan struct{})
}

func (t *memTransport) setup(int, time.Duration) {}

func (t *memTransport) read(p []byte, _ framing) (int, []rxHandle, bool, error, error) {
	n := t.n
	n.mu.Lock()
	for {
		me := &n.end[t.side]
		d := &n.dir[t.side]
		switch {
		case me.closed:
			n.mu.Unlock()
			return 0, nil, false, nil, fmt.Errorf("read mem: %w", net.ErrClosed)
		case me.rdIntr:
			n.mu.Unlock()
			return 0, nil, false, nil, fmt.Errorf("read mem: %w", os.ErrDeadlineExceeded)
		case n.end[1-t.side].reset:
			n.mu.Unlock()
			return 0, nil, false, nil, os.NewSyscallError("recvmsg", errConnReset)
		case len(d.data) > 0:
			k := min(len(p), len(d.data))
			var got []rxHandle
			// A handle comes with the first byte of its write; a read stops
			// before the next handle's byte.
			for len(d.marks) > 0 && d.marks[0].off == 0 {
				got = append(got, d.marks[0].h)
				d.marks = d.marks[1:]
			}
			if len(d.marks) > 0 {
				k = min(k, d.marks[0].off)
			}
			copy(p, d.data[:k])
			d.data = d.data[k:]
			for i := range d.marks {
				d.marks[i].off -= k
			}
			n.reads[t.side]++
			n.broadcast()
			n.mu.Unlock()
			return k, got, false, nil, nil
		case d.eof:
			n.mu.Unlock()
			return 0, nil, false, nil, nil
		}
		ch := n.changed
		n.mu.Unlock()
		<-ch
		n.mu.Lock()
	}
}

// writeSome writes b, waiting for room unless try; with a handle, h rides
// on b's first byte. It returns how much was written.
func (t *memTransport) writeSome(b []byte, h *rxHandle, try bool) (int, error) {
	n := t.n
	n.mu.Lock()
	defer n.mu.Unlock()
	w := 0
	for {
		me := &n.end[t.side]
		d := &n.dir[1-t.side]
		switch {
		case me.closed:
			return w, fmt.Errorf("write mem: %w", net.ErrClosed)
		case n.end[1-t.side].closed:
			return w, fmt.Errorf("write mem: %w", errBrokenPipe)
		case me.wrIntr && !try:
			return w, fmt.Errorf("write mem: %w", os.ErrDeadlineExceeded)
		}
		if room := d.cap - len(d.data); room > 0 && w < len(b) {
			k := min(room, len(b)-w)
			if h != nil && w == 0 {
				d.marks = append(d.marks, memMark{off: len(d.data), h: *h})
				h = nil
			}
			d.data = append(d.data, b[w:w+k]...)
			w += k
			n.broadcast()
		}
		if w == len(b) || try {
			return w, nil
		}
		ch := n.changed
		n.mu.Unlock()
		<-ch
		n.mu.Lock()
	}
}

func (t *memTransport) write(b []byte) (int, error) { return t.writeSome(b, nil, false) }

func (t *memTransport) writeHandle(b []byte, h txHandle) (int, error) {
	rx, err := memHandle(h)
	if err != nil {
		return 0, err
	}
	n, err := t.writeSome(b, &rx, false)
	if n == 0 {
		rx.close()
	}
	return n, err
}

func (t *memTransport) writev(bufs [][]byte) error {
	var all []byte
	for _, b := range bufs {
		all = append(all, b...)
	}
	_, err := t.writeSome(all, nil, false)
	return err
}

func (t *memTransport) tryWrite(b []byte) int {
	n, _ := t.writeSome(b, nil, true)
	return n
}

func (t *memTransport) set(f func(*memEndState)) {
	t.n.mu.Lock()
	f(&t.n.end[t.side])
	t.n.broadcast()
	t.n.mu.Unlock()
}

func (t *memTransport) interruptRead()  { t.set(func(e *memEndState) { e.rdIntr = true }) }
func (t *memTransport) resumeRead()     { t.set(func(e *memEndState) { e.rdIntr = false }) }
func (t *memTransport) interruptWrite() { t.set(func(e *memEndState) { e.wrIntr = true }) }
func (t *memTransport) resumeWrite()    { t.set(func(e *memEndState) { e.wrIntr = false }) }

// close closes this end: the other end reads EOF after what is buffered,
// and its writes fail; handles nobody read are closed.
func (t *memTransport) close() error {
	n := t.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.end[t.side].closed {
		return nil
	}
	n.end[t.side].closed = true
	n.dir[1-t.side].eof = true
	in := &n.dir[t.side]
	for _, m := range in.marks {
		m.h.close()
	}
	in.marks, in.data = nil, nil
	n.broadcast()
	return nil
}

// memPeer is the test's side of a pair: the peer's raw byte stream.
type memPeer struct {
	t   *memTransport
	buf []byte // read but not yet returned by ReadLine
}

// Write writes b whole (waiting while the channel does not read).
func (p *memPeer) Write(b []byte) (int, error) { return p.t.write(b) }

// WriteString writes s.
func (p *memPeer) WriteString(s string) error {
	_, err := p.t.write([]byte(s))
	return err
}

// ReadLine returns the next newline-terminated line the channel wrote
// (JSON mode), without the newline; io.EOF after the channel closed.
func (p *memPeer) ReadLine() (string, error) {
	for {
		for i, c := range p.buf {
			if c == '\n' {
				l := string(p.buf[:i])
				p.buf = p.buf[i+1:]
				return l, nil
			}
		}
		var b [4096]byte
		n, got, _, _, err := p.t.read(b[:], framingUnknown)
		for _, h := range got {
			h.close()
		}
		if err != nil {
			return "", err
		}
		if n == 0 {
			return "", io.EOF
		}
		p.buf = append(p.buf, b[:n]...)
	}
}

// Close closes the peer's end.
func (p *memPeer) Close() error { return p.t.close() }

// Reset closes the peer's end as a socket closed with unread data is: the
// channel's next read fails with ECONNRESET.
func (p *memPeer) Reset() {
	p.t.set(func(e *memEndState) { e.reset = true })
	p.t.close()
}

// pending returns the bytes the peer wrote that the channel has not read.
func (p *memPeer) pending() int {
	n := p.t.n
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.dir[1-p.t.side].data)
}

// memChannel returns a Channel over one end of an in-memory pair and the
// peer's end. The channel is closed when the test ends (inside a synctest
// bubble, call Close before the bubble's function returns).
func memChannel(opts *Options, capacity int) (*Channel, *memPeer, error) {
	a, b := newMemPair(capacity)
	c, err := newChannel(a, opts)
	if err != nil {
		return nil, nil, err
	}
	return c, &memPeer{t: b}, nil
}

var errNoMemHandle = errors.New("the in-memory transport carries no handles on this platform")
