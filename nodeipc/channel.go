package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// Channel is one end of a Node.js IPC channel: what `process.send` /
// `process.on('message')` are to a Node child, and `subprocess.send` /
// `subprocess.on('message')` to a Node parent.
//
// A Channel owns its socket and two goroutines: a reader, which answers the
// protocol's internal messages (handle acknowledgements, socket-list
// queries) by itself and queues user messages for Recv, and a writer that
// flushes messages queued behind a handle transfer (coalescing them into
// one write). A Recv that finds nothing queued reads the socket itself
// while the reader stands aside, which saves a goroutine hand-off. Received messages are
// kept, in order, until Recv takes them, whether or not anybody is receiving
// yet.
//
// Concurrency: all methods are safe to call from any goroutine. Send, Post
// and SendHandle from several goroutines are serialized; each frame is
// written whole, in the order the calls took the write lock. Each message
// goes to exactly one Recv; ordering is only meaningful with one receiver.
// Close unblocks every other method and is idempotent.
type Channel struct {
	t     transport // the socket (transport.go)
	codec codec
	opts  Options

	w  writer
	in inbox
	sl socketLists
	rd readGate // who reads the socket (reader.go)

	lst listenRoute // handles routed to an open Listener (listener.go)

	done      chan struct{} // closed when the channel is disconnected
	ctx       context.Context
	cancel    context.CancelCauseFunc // ends ctx, with the terminal error
	closing   chan struct{}           // closed when Close starts
	closeOnce sync.Once
	wg        sync.WaitGroup // reader and writer goroutines

	mu  sync.Mutex
	err error // why the channel ended; set before done is closed

	unsolicitedAcks atomic.Uint64 // NODE_HANDLE_ACK/NACK ignored: no handle waited for one
}

// New returns a Channel over an established connection: one end of an
// AF_UNIX SOCK_STREAM socketpair whose other end a peer uses as its Node IPC
// channel. New takes ownership of conn: Close closes it. The connection must
// not be used by anybody else afterwards. When New fails, conn is still the
// caller's. On Windows, whose Node IPC channel is a named pipe (use Pipe
// for two connected Channels), and on platforms without Node IPC support,
// New returns an error wrapping errors.ErrUnsupported.
func New(conn *net.UnixConn, opts *Options) (*Channel, error) {
	if conn == nil {
		return nil, errors.New("nodeipc: New: nil conn")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	t, err := newTransport(conn)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("nodeipc: New: %w", err)
	}
	return newChannel(t, opts)
}

// newChannel starts a Channel over t. On success the Channel owns t; on
// error t is still the caller's.
func newChannel(t transport, opts *Options) (*Channel, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	cd, err := newCodec(o.Serialization)
	if err != nil {
		return nil, err
	}
	t.setup(o.MaxFDsPerRead, o.SpinWait)
	c := &Channel{
		t:       t,
		codec:   cd,
		opts:    o,
		done:    make(chan struct{}),
		closing: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancelCause(context.Background())
	c.w.init(c)
	c.in.init(o.MaxQueuedMessages, o.MaxQueuedBytes)
	c.sl.init()
	c.rd.init(c)
	c.wg.Add(2)
	go c.readLoop()
	go c.w.flushLoop()
	return c, nil
}

func newCodec(s Serialization) (codec, error) {
	switch s {
	case JSON:
		return jsonCodec{}, nil
	case Advanced:
		return newAdvancedCodec()
	}
	return nil, fmt.Errorf("nodeipc: unknown serialization %v", s)
}

// Serialization reports the channel's wire encoding.
func (c *Channel) Serialization() Serialization { return c.codec.mode() }

// Done returns a channel that is closed when the IPC channel is
// disconnected: the peer closed it or exited, a fatal error occurred, or
// Close was called. It plays the role of Node's 'disconnect' event. Messages
// received before the disconnect can still be taken with Recv.
func (c *Channel) Done() <-chan struct{} { return c.done }

// Context returns a context that is done when the channel ends (when Done
// is closed): hand it to work that should stop with the channel. Its Err is
// context.Canceled; context.Cause returns the channel's terminal error (see
// Err).
func (c *Channel) Context() context.Context { return c.ctx }

// Err returns nil while the channel is connected. Once the channel ends it
// reports why: an error wrapping ErrDisconnected when the peer closed the
// channel or the socket failed, an error wrapping net.ErrClosed after Close
// or Shutdown, or the fatal error that ended it. It is
// set before Done is closed and before any Send fails because of the end, so
// a Send error with Err() != nil means the channel is gone.
func (c *Channel) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Connected reports whether the channel is still connected, like Node's
// `connected` property.
func (c *Channel) Connected() bool {
	select {
	case <-c.done:
		return false
	default:
		return !c.isClosing()
	}
}

// fail ends the channel with err (the first error wins), closes the socket
// and wakes everybody. It is safe to call more than once and from any
// goroutine.
func (c *Channel) fail(err error) {
	c.mu.Lock()
	first := c.err == nil
	if first {
		c.err = err
	}
	c.mu.Unlock()
	if !first {
		return
	}
	c.in.finish(err) // before done closes: a woken Recv reports err
	c.t.close()      // unblocks the reader and any write in progress
	c.w.abort(err)
	close(c.done)
	c.cancel(err)
}

// Close disconnects, like Node's disconnect(): it stops accepting new
// messages, waits (up to Options.CloseTimeout) until messages already
// accepted (posted, or waiting in Send) are written, then closes the
// socket. It is Shutdown with a CloseTimeout deadline. The peer sees EOF; a
// Node peer emits 'disconnect'. Every message for which Send or SendHandle
// returned nil has been handed to the kernel and is delivered.
//
// Close waits for the channel's goroutines to finish and closes file
// descriptors received but not yet claimed, and the handles of messages
// not yet received (such a message, if received after Close, has none).
// It returns an error if queued messages could not be written (they are
// also reported to the Send calls waiting on them). Calling Close or
// Shutdown again returns nil.
func (c *Channel) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CloseTimeout)
	defer cancel()
	err := c.shutdown(ctx, "within "+c.opts.CloseTimeout.String())
	if err != nil {
		return &opError{"close", err}
	}
	return nil
}

// Shutdown ends the channel gracefully: it stops accepting new messages
// (Send, Post and the rest fail with an error wrapping net.ErrClosed),
// waits until every message already accepted is written (posted, waiting in
// Send, or queued behind a handle waiting for the peer's acknowledgement)
// or ctx ends, and then closes the channel as Close does. It always closes:
// when ctx ends first, the messages not yet written are dropped, the Send
// calls waiting on them fail, and Shutdown returns an error that wraps
// ctx.Err() and says how many were left. A program that posts its last
// messages and exits calls Shutdown (or Close) before it returns from main.
//
// Shutdown waits for the channel's goroutines and frees what Close frees.
// Calling Shutdown or Close again returns nil.
func (c *Channel) Shutdown(ctx context.Context) error {
	if err := c.shutdown(ctx, "before the context ended"); err != nil {
		return &opError{"shutdown", err}
	}
	return nil
}

func (c *Channel) shutdown(ctx context.Context, limit string) error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closing)
		err = c.w.drain(ctx, limit)
		c.fail(errClosed)
		c.wg.Wait()
		c.rd.acquire() // a Recv reading the socket has seen the close
		c.rd.hold.Stop()
		c.in.files.closeAll()
		c.in.dropHandles()
	})
	return err
}
