package nodeipc

import (
	"context"
	"fmt"
	"iter"
	"sync"
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
//
// A Recv that finds nothing queued reads the socket itself when it can
// (see readGate), which saves a goroutine hand-off per message.
func (c *Channel) Recv(ctx context.Context) (*Message, error) {
	for {
		m, err, ok := c.in.tryPop()
		if ok {
			return m, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		select {
		case <-c.rd.tok:
			// The read side is ours: read until something is queued.
			err := c.readDirect(ctx)
			if err != nil {
				return nil, err
			}
			continue
		default:
		}
		// The background reader holds the read side, most likely parked
		// on the netpoller: ask it to let go, and wait for a message or
		// the read side.
		c.rd.kick(c)
		select {
		case <-c.in.wake:
		case <-c.rd.tok:
			err := c.readDirect(ctx)
			if err != nil {
				return nil, err
			}
		case <-c.done:
			// fail records the terminal error before done is closed: loop
			// to drain.
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
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
	files []rxHandle // received handles not yet claimed by a NODE_HANDLE
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

// pending reports whether tryPop would return something.
func (in *inbox) pending() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.head < len(in.q) || in.end != nil
}

// tryPop takes the next queued item. ok is false when nothing is queued
// and the reader has not finished; otherwise err may be the terminal error.
func (in *inbox) tryPop() (m *Message, err error, ok bool) {
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
		return it.m, it.err, true
	}
	end := in.end
	in.mu.Unlock()
	return nil, end, end != nil
}

// closeFiles closes received descriptors that no message claimed.
func (in *inbox) closeFiles() {
	in.mu.Lock()
	files := in.files
	in.files = nil
	in.mu.Unlock()
	for _, f := range files {
		f.close()
	}
}

func (c *Channel) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
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
	var extra []rxHandle
	if n := len(c.in.files) - c.opts.MaxFDsPerRead; n > 0 {
		extra = append(extra, c.in.files[:n]...)
		c.in.files = append(c.in.files[:0], c.in.files[n:]...)
	}
	c.in.mu.Unlock()
	for _, f := range extra {
		f.close()
	}
	if len(extra) > 0 {
		c.report(protocolError("recvmsg", nil, fmt.Errorf("%w: %d unclaimed descriptors closed", ErrBadHandle, len(extra))))
	}
}

// takeFile removes the oldest received handle; ok is false when there is
// none.
func (c *Channel) takeFile() (h rxHandle, ok bool) {
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	if len(c.in.files) == 0 {
		return rxHandle{}, false
	}
	h = c.in.files[0]
	c.in.files[0] = rxHandle{}
	c.in.files = c.in.files[1:]
	return h, true
}
