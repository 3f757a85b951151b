package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Recv returns the next message from the peer, waiting until one arrives,
// ctx ends, or the channel is disconnected. Messages that arrived before
// Recv was first called are returned first, in order: none is dropped for
// want of a listener.
//
// After a disconnect Recv keeps returning the messages received before it,
// then the channel's terminal error (see Err), which wraps ErrDisconnected
// or is net.ErrClosed.
//
// Recv may also return, in the place of a message, a *ProtocolError (input
// from the peer that could not be understood) or a *HandleError (a handle
// that could not be used; the message is in the error). The channel stays
// open after those and the next Recv goes on with the next message.
//
// When ctx ends first, Recv returns ctx.Err() and no message is lost.
func (c *Channel) Recv(ctx context.Context) (*Message, error) {
	return c.in.pop(ctx, c.done)
}

// Messages returns an iterator over received messages for use with
// range-over-func. It stops after the first error, which it yields; a
// disconnect ends it with the channel's terminal error, and a ctx that ends
// with ctx.Err(). Breaking out of the loop loses no message.
func (c *Channel) Messages(ctx context.Context) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		for {
			m, err := c.Recv(ctx)
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// inbox holds received messages until Recv takes them.
type inbox struct {
	mu    sync.Mutex
	q     []item
	head  int
	max   int
	end   error // terminal error, set by the reader as it exits
	wake  chan struct{}
	files []*os.File // received descriptors not yet claimed by a NODE_HANDLE
}

type item struct {
	m   *Message
	err error
}

func (in *inbox) init(max int) {
	in.max = max
	in.wake = make(chan struct{}, 1)
}

// push queues a message or a per-message error. It reports false when the
// queue bound is exceeded.
func (in *inbox) push(it item) bool {
	in.mu.Lock()
	if in.max > 0 && len(in.q)-in.head >= in.max {
		in.mu.Unlock()
		return false
	}
	in.q = append(in.q, it)
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
	return true
}

// finish records the terminal error Recv returns once the queue is empty.
// The first call wins.
func (in *inbox) finish(err error) {
	in.mu.Lock()
	if in.end == nil {
		in.end = err
	}
	in.mu.Unlock()
}

func (in *inbox) pop(ctx context.Context, done <-chan struct{}) (*Message, error) {
	for {
		in.mu.Lock()
		if in.head < len(in.q) {
			it := in.q[in.head]
			in.q[in.head] = item{}
			in.head++
			more := in.head < len(in.q)
			if !more {
				in.q = in.q[:0]
				in.head = 0
			}
			in.mu.Unlock()
			if more {
				select {
				case in.wake <- struct{}{}:
				default:
				}
			}
			return it.m, it.err
		}
		end := in.end
		in.mu.Unlock()
		if end != nil {
			return nil, end
		}
		select {
		case <-in.wake:
		case <-done:
			// fail sets end before it closes done: loop to drain.
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// closeFiles closes received descriptors that no message claimed.
func (in *inbox) closeFiles() {
	in.mu.Lock()
	files := in.files
	in.files = nil
	in.mu.Unlock()
	for _, f := range files {
		f.Close()
	}
}

const (
	readSize    = 64 << 10 // what one recvmsg asks for, as libuv does
	keepBufSize = 1 << 20  // larger buffers are given away, not kept
)

// readLoop owns the read side of the socket until it fails.
func (c *Channel) readLoop() {
	defer c.wg.Done()
	err := c.readFrames()
	if c.isClosing() {
		err = net.ErrClosed
	}
	c.fail(err)
	c.sl.disconnected()
}

func (c *Channel) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// readFrames reads and dispatches frames until the socket fails. It returns
// the terminal error.
func (c *Channel) readFrames() error {
	buf := make([]byte, 0, readSize)
	oob := make([]byte, unix.CmsgSpace(4*c.opts.MaxFDsPerRead))
	start, scanned := 0, 0 // start of unconsumed bytes; bytes of it scanned
	max := c.opts.MaxMessageSize
	for {
		// Make room for one read.
		if cap(buf)-len(buf) < readSize/4 {
			pending := len(buf) - start
			need := pending + readSize
			if start > 0 && cap(buf) >= need {
				copy(buf, buf[start:])
				buf = buf[:pending]
			} else {
				nb := make([]byte, pending, max2(need, 2*cap(buf)))
				copy(nb, buf[start:])
				buf = nb
			}
			start = 0
		}
		n, oobn, flags, err := c.recvmsg(buf[len(buf):cap(buf)], oob)
		if oobn > 0 {
			files, perr := parseRights(oob[:oobn])
			c.in.mu.Lock()
			c.in.files = append(c.in.files, files...)
			c.in.mu.Unlock()
			if perr != nil {
				c.report(protocolError("recvmsg", nil, fmt.Errorf("%w: %v", ErrMalformedMessage, perr)))
			}
		}
		if flags&unix.MSG_CTRUNC != 0 {
			c.report(protocolError("recvmsg", nil, ErrControlTruncated))
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			return fmt.Errorf("%w: %v", ErrDisconnected, err)
		}
		if n == 0 {
			if len(buf) > start {
				return fmt.Errorf("%w: EOF inside a message (%d bytes pending)", ErrDisconnected, len(buf)-start)
			}
			return fmt.Errorf("%w: %w", ErrDisconnected, io.EOF)
		}
		buf = buf[:len(buf)+n]
		for {
			s, e, next, ferr := c.codec.frame(buf[start:], &scanned, max)
			if ferr != nil {
				return ferr
			}
			if next == 0 {
				break
			}
			var payload []byte
			if start == 0 && next == len(buf) && cap(buf) > keepBufSize {
				// A large message fills the buffer: hand the buffer over
				// instead of copying it.
				payload = buf[s:e:e]
				buf = make([]byte, 0, readSize)
				start = 0
			} else {
				payload = append([]byte(nil), buf[start+s:start+e]...)
				start += next
			}
			if err := c.dispatch(payload); err != nil {
				return err
			}
		}
		if start == len(buf) {
			buf = buf[:0]
			start = 0
			if cap(buf) > keepBufSize {
				buf = make([]byte, 0, readSize)
			}
		}
		c.trimFiles()
	}
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// report queues a non-fatal error for Recv.
func (c *Channel) report(err error) {
	if !c.in.push(item{err: err}) {
		c.fail(ErrQueueFull)
	}
}

// deliver queues a message for Recv.
func (c *Channel) deliver(m *Message) error {
	if !c.in.push(item{m: m}) {
		if m.handle != nil {
			closeHandle(m.handle)
		}
		return ErrQueueFull
	}
	return nil
}

// dispatch routes one payload. A returned error is fatal.
func (c *Channel) dispatch(payload []byte) error {
	in, err := c.codec.parse(payload)
	if err != nil {
		c.report(err)
		return nil
	}
	if in.cmd == "" {
		return c.deliver(in.msg)
	}
	return c.handleInternal(in)
}

// trimFiles closes received descriptors beyond what any message could still
// claim: Node sends at most one descriptor per message and one message with a
// handle at a time, so more than MaxFDsPerRead waiting is a flood.
func (c *Channel) trimFiles() {
	c.in.mu.Lock()
	var extra []*os.File
	if n := len(c.in.files) - c.opts.MaxFDsPerRead; n > 0 {
		extra = append(extra, c.in.files[:n]...)
		c.in.files = append(c.in.files[:0], c.in.files[n:]...)
	}
	c.in.mu.Unlock()
	for _, f := range extra {
		f.Close()
	}
	if len(extra) > 0 {
		c.report(protocolError("recvmsg", nil, fmt.Errorf("%w: %d unclaimed descriptors closed", ErrBadHandle, len(extra))))
	}
}

// takeFile removes the oldest received descriptor, or returns nil.
func (c *Channel) takeFile() *os.File {
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	if len(c.in.files) == 0 {
		return nil
	}
	f := c.in.files[0]
	c.in.files[0] = nil
	c.in.files = c.in.files[1:]
	return f
}
