package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
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

// Handle is a socket that SendHandle and PostHandle can send. The types
// that satisfy it and can be sent are *net.TCPListener and
// *net.UnixListener (sent as net.Server), *net.TCPConn, *net.UnixConn and
// *TrackedConn (net.Socket), *net.UDPConn (dgram.Socket), and an *os.File
// holding a TCP, Unix-domain stream, or UDP socket (net.Server, net.Socket
// or dgram.Socket by its kind, or the Native types with
// SendHandleOptions.Native). Any other value, or a descriptor of another
// kind, is refused with ErrBadHandle. A net.Conn or net.Listener interface
// value holds one of these: assert the concrete type (or use
// Message.Handle, which returns it).
type Handle interface {
	syscall.Conn
	Close() error
}

// SendHandle sends v together with a socket, like Node's
// `send(v, handle)`; see Handle for what h may be.
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
func (c *Channel) SendHandle(ctx context.Context, v any, h Handle, opts *SendHandleOptions) error {
	oh, b, err := c.prepareTransfer(v, h, opts)
	if err != nil {
		return err
	}
	oh.result = make(chan error, 1)
	// From here the writer owns the transfer: whatever happens, it
	// finishes it (closing the duplicate) exactly once.
	if err := c.w.send(ctx, &writeReq{b: b, h: oh}); err != nil {
		return err
	}
	select {
	case err := <-oh.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PostHandle is SendHandle without waiting, like Node's
// `send(v, handle, options, callback)`: it queues the message with the
// socket and returns. done, if not nil, is called once, on a goroutine of
// its own, when the transfer is over: with nil after the peer's ACK (a moved
// connection is closed just before), or with the error that ended it (an
// error wrapping ErrHandleNotReceived after the last NACK, or the channel's
// terminal error). (Node calls its callback once the message is written,
// and never reports a handle the peer refused.)
//
// PostHandle returns an error, and does not call done, when the message
// cannot be queued: h is not a usable socket (ErrBadHandle), v cannot be
// encoded or is too large, the channel is closed, or the queue is full (see
// Post and Options.MaxBufferedBytes). The caller then keeps h. Ownership
// and ordering are as for SendHandle; PostHandle never blocks, so it may be
// called from Options.OnInternalMessage.
func (c *Channel) PostHandle(v any, h Handle, opts *SendHandleOptions, done func(error)) error {
	oh, b, err := c.prepareTransfer(v, h, opts)
	if err != nil {
		return err
	}
	oh.cb = done
	return c.w.post(&writeReq{b: b, h: oh, kind: reqPosted})
}

// prepareTransfer duplicates h's descriptor and encodes the envelope.
func (c *Channel) prepareTransfer(v any, h Handle, opts *SendHandleOptions) (*outHandle, []byte, error) {
	var o SendHandleOptions
	if opts != nil {
		o = *opts
	}
	if h == nil {
		return nil, nil, fmt.Errorf("%w: nil handle", ErrBadHandle)
	}
	tx, env, err := prepareHandle(h, &o)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.codec.appendEnvelope(nil, env, v, c.opts.MaxMessageSize)
	if err != nil {
		tx.close()
		return nil, nil, err
	}
	oh := &outHandle{frame: b, tx: tx}
	if env.typ == TypeSocket && !o.KeepOpen {
		oh.onAck = func() { h.Close() }
	}
	return oh, b, nil
}

// prepareHandle duplicates h's socket (through the transport) and chooses
// the envelope from what kind of socket it is.
func prepareHandle(h any, o *SendHandleOptions) (txHandle, *handleEnvelope, error) {
	tx, info, err := dupHandle(h)
	if err != nil {
		return txHandle{}, nil, fmt.Errorf("%w: %w", ErrBadHandle, err)
	}
	env := &handleEnvelope{}
	switch {
	case info.kind == kindDgram && info.inet():
		env.typ = TypeDgramSocket
		env.dgramType = "udp4"
		if info.family == famInet6 {
			env.dgramType = "udp6"
		}
		if o.Native {
			env.typ, env.dgramType = TypeDgramNative, ""
		}
	case info.kind == kindStream && (info.inet() || info.family == famUnix):
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
		tx.close()
		return txHandle{}, nil, fmt.Errorf("%w: only TCP, Unix-domain stream and UDP sockets can be sent to Node (got %s)", ErrBadHandle, info)
	}
	return tx, env, nil
}

// convertHandle turns a received handle into the Go socket type for Node's
// handle type. It always consumes h.
func convertHandle(h rxHandle, typ string) (any, error) {
	defer h.close()
	if typ == TypeSocket {
		// The common case (a server handing over connections) is checked
		// after the conversion, which already asks the kernel most of what
		// inspect would.
		if c := h.streamConn(); c != nil {
			return c, nil
		}
	}
	info, err := h.inspect()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadHandle, err)
	}
	stream := info.kind == kindStream && (info.inet() || info.family == famUnix)
	dgram := info.kind == kindDgram && info.inet()
	mismatch := func() (any, error) {
		return nil, fmt.Errorf("%w: %s cannot be a %s", ErrBadHandle, info, typ)
	}
	switch typ {
	case TypeServer:
		if !stream || !info.listening {
			return mismatch()
		}
		return h.listener()
	case TypeSocket:
		if !stream || info.listening {
			return mismatch()
		}
		return h.conn()
	case TypeNative:
		if !stream {
			return mismatch()
		}
		if info.listening {
			return h.listener()
		}
		if h.connected() {
			return h.conn()
		}
		// A bound socket that is not listening yet (a cluster primary's
		// shared handle): hand over a duplicate for the caller to listen on.
		return h.unbound()
	case TypeDgramSocket, TypeDgramNative:
		if !dgram {
			return mismatch()
		}
		u, err := h.packetConn()
		if err != nil {
			return nil, err
		}
		if u == nil {
			return mismatch()
		}
		return u, nil
	}
	return nil, fmt.Errorf("%w: unknown handle type %q", ErrBadHandle, typ)
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
// close the TrackedConn, not the underlying conn. Whoever received it owns
// it and closes it; its methods are safe for concurrent use, as a
// net.Conn's are.
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

// SyscallConn returns the raw connection of the underlying socket, so that
// a TrackedConn is a Handle: passed on with SendHandle (moved, it is closed
// after the ACK, which updates the original sender's socket list).
func (t *TrackedConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := t.Conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%w: %T has no descriptor", ErrBadHandle, t.Conn)
	}
	return sc.SyscallConn()
}

var errNoMsg = errors.New("NODE_HANDLE without msg")
