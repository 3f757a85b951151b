package nodeipc

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// DefaultHandedBacklog is HandedSocketsOptions.Backlog's default.
const DefaultHandedBacklog = 1024

// ErrHandedSocketsOpen is returned by Channel.HandedSockets while the
// channel's previous HandedSockets is still open.
var ErrHandedSocketsOpen = errors.New("nodeipc: the channel's handed sockets are already being collected (HandedSockets is open)")

// HandedSocketsOptions configures HandedSockets. A nil pointer means defaults.
type HandedSocketsOptions struct {
	// Filter chooses the handles the HandedSockets takes. It is called with
	// every received message whose handle is a connection (Message.Conn()
	// is not nil) or a listening socket (Message.Listener() is not nil),
	// and with each such message already queued for Recv when HandedSockets is
	// called; true gives the message and its handle to the HandedSockets, false
	// leaves it for Recv. nil takes them all. It runs on the goroutine that
	// reads the socket (or in HandedSockets): it must be fast, must not block and
	// must not call the channel's methods. In JSON mode, Node's
	// `send('socket', socket)` is matched by string(m.Raw()) == `"socket"`.
	Filter func(m *Message) bool

	// Backlog bounds the connections waiting for Accept (handed over, or
	// accepted on a received server). 0 means DefaultHandedBacklog. When a
	// handed-over connection arrives with Backlog already waiting, it is
	// closed (its client sees the connection end, as when a kernel's listen
	// queue overflows) and counted in Stats.Dropped; accepting on received
	// servers simply pauses until Accept catches up.
	Backlog int

	// OnPeerClose, if set, is called with the connection key when the Node
	// peer's server.close() starts waiting for the connections it handed
	// over with that key (NODE_SOCKET_NOTIFY_CLOSE; the wait ends once
	// every such connection is closed here). An HTTP server closes its idle
	// keep-alive connections then, as Node's own http.Server.close() does:
	//
	//	OnPeerClose: func(string) { srv.SetKeepAlivesEnabled(false) },
	//
	// It runs on the goroutine that reads the socket, with the same rules
	// as Filter (closing connections is fine).
	OnPeerClose func(key string)
}

// HandedSockets collects the sockets the peer hands over: it is a
// net.Listener that binds nothing; its Accept returns the
// connections the peer hands over (Node's `send(msg, socket)`) and the
// connections accepted on the listening sockets it hands over (`send(msg,
// server)`), as *HandedConn values that keep the message they came with. It can
// be given to http.Serve, (*http.Server).Serve, grpc's Serve or any server
// loop; plain messages, and handles the Filter declines, still go to Recv.
//
// Routing: from HandedSockets until Close, every received message whose handle
// passes the Filter goes to the HandedSockets and never reaches Recv; messages
// that were queued for Recv when HandedSockets was called are taken too, in
// order, so sockets that arrived before the HandedSockets existed are not lost.
// After Close, handles go to Recv again. A channel has at most one open
// HandedSockets.
//
// Ownership: the HandedSockets owns what it took. Accept hands a *HandedConn to its
// caller, who closes it (an HTTP server does); closing it closes the
// received socket and, for a socket from a Node server's socket list,
// tells the peer (see TrackedConn), so Node's server.getConnections() and
// server.close() count and wait for connections held here. Received
// servers are accepted on by the HandedSockets and closed by Close (the peer's
// copy stays open; Node keeps accepting on it unless it closes it).
// Connections waiting for Accept are closed by Close.
//
// Ending: Close ends the HandedSockets; so does the channel's disconnect, after
// which Accept still returns the connections already waiting, then an
// error wrapping net.ErrClosed and the channel's error (call Close to free
// its resources). (*http.Server).Shutdown calls Close. A
// HandedSockets leaves no goroutine once Close returns.
//
// All methods are safe for concurrent use.
type HandedSockets struct {
	c           *Channel
	filter      func(*Message) bool
	onPeerClose func(string)

	queue chan *HandedConn // waiting for Accept
	done  chan struct{}    // closed when the HandedSockets ends
	wg    sync.WaitGroup

	mu      sync.Mutex
	err     error          // why it ended; set before done closes
	servers []net.Listener // received servers being accepted on
	stats   HandedSocketsStats
	closed  bool
}

// HandedSocketsStats counts what a HandedSockets received.
type HandedSocketsStats struct {
	Conns   int // connections handed over
	Servers int // listening sockets handed over
	Dropped int // handed-over connections closed because Backlog were waiting
}

// HandedConn is a connection returned by HandedSockets.Accept: the received socket
// (or a connection accepted on a received server) and the message that
// came with it. The caller of Accept owns it and closes it, as any
// net.Conn; its methods are safe for concurrent use, as a net.Conn's are.
type HandedConn struct {
	net.Conn
	msg *Message
}

// Message returns the message the socket came with; for a connection
// accepted on a received server, the message the server came with. Its
// Handle is the socket itself (or that server): it belongs to the
// HandedSockets and this HandedConn, and must not be closed through the Message.
func (c *HandedConn) Message() *Message { return c.msg }

// NetConn returns the underlying connection: a *net.TCPConn, a
// *net.UnixConn or a *TrackedConn. Close the HandedConn, not the underlying
// connection.
func (c *HandedConn) NetConn() net.Conn { return c.Conn }

// CloseWrite shuts down the writing side of the connection when the
// underlying socket supports it (TCP and Unix-domain sockets do).
func (c *HandedConn) CloseWrite() error {
	u := c.Conn
	if t, ok := u.(*TrackedConn); ok {
		u = t.NetConn()
	}
	if cw, ok := u.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("nodeipc: CloseWrite: %T does not support it", u)
}

// ConnMessage returns the message a connection accepted from a HandedSockets
// came with, looking through wrappers that have a NetConn method (such as
// *tls.Conn), or nil for any other connection. With net/http:
//
//	srv := &http.Server{ConnContext: func(ctx context.Context, c net.Conn) context.Context {
//		return context.WithValue(ctx, msgKey{}, nodeipc.ConnMessage(c))
//	}}
func ConnMessage(c net.Conn) *Message {
	for i := 0; c != nil && i < 8; i++ {
		switch cc := c.(type) {
		case *HandedConn:
			return cc.msg
		case interface{ NetConn() net.Conn }:
			c = cc.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// listenAddr is a HandedSockets's address.
type listenAddr struct{}

func (listenAddr) Network() string { return "nodeipc" }
func (listenAddr) String() string  { return "nodeipc-channel" }

// listenRoute is the channel's routing of received handles to its open
// HandedSockets. mu orders deliveries against HandedSockets taking queued messages.
type listenRoute struct {
	mu sync.Mutex
	l  *HandedSockets
}

// HandedSockets starts collecting the sockets and servers the peer hands
// over and returns them as a net.Listener (see type HandedSockets for the
// routing and ownership rules). It fails with ErrHandedSocketsOpen while a
// previous HandedSockets is open, and with the channel's error once it is
// disconnected. To serve HTTP on them, see package nodeipc/worker's
// ServeHTTP, which also wires Node's server.close().
func (c *Channel) HandedSockets(opts *HandedSocketsOptions) (*HandedSockets, error) {
	var o HandedSocketsOptions
	if opts != nil {
		o = *opts
	}
	if o.Backlog < 0 {
		return nil, errors.New("nodeipc: negative HandedSocketsOptions.Backlog")
	}
	if o.Backlog == 0 {
		o.Backlog = DefaultHandedBacklog
	}
	if !c.Connected() {
		if err := c.Err(); err != nil {
			return nil, err
		}
		return nil, net.ErrClosed
	}
	l := &HandedSockets{
		c:           c,
		filter:      o.Filter,
		onPeerClose: o.OnPeerClose,
		done:        make(chan struct{}),
	}
	c.lst.mu.Lock()
	defer c.lst.mu.Unlock()
	if c.lst.l != nil {
		return nil, ErrHandedSocketsOpen
	}
	queued := c.in.takeMatching(l.wants)
	conns := 0
	for _, m := range queued {
		if m.Conn() != nil {
			conns++
		}
	}
	l.queue = make(chan *HandedConn, max(o.Backlog, conns))
	for _, m := range queued {
		l.take(m)
	}
	c.lst.l = l
	l.wg.Add(1)
	go l.watch()
	return l, nil
}

// wants reports whether the HandedSockets takes m.
func (l *HandedSockets) wants(m *Message) bool {
	if m.Conn() == nil && m.Listener() == nil {
		return false
	}
	return l.filter == nil || l.filter(m)
}

// take queues a handed connection or starts accepting on a handed server.
// Called with c.lst.mu held, before the HandedSockets is closed.
func (l *HandedSockets) take(m *Message) {
	if ln := m.Listener(); ln != nil {
		l.mu.Lock()
		l.stats.Servers++
		if l.err != nil { // disconnected: nothing to serve any more
			l.mu.Unlock()
			ln.Close()
			return
		}
		l.servers = append(l.servers, ln)
		l.wg.Add(1)
		l.mu.Unlock()
		go l.accept(m, ln)
		return
	}
	conn := &HandedConn{Conn: m.Conn(), msg: m}
	select {
	case l.queue <- conn:
		l.mu.Lock()
		l.stats.Conns++
		l.mu.Unlock()
	default:
		conn.Close()
		l.mu.Lock()
		l.stats.Conns++
		l.stats.Dropped++
		l.mu.Unlock()
	}
}

// accept feeds connections accepted on a handed server into the queue.
func (l *HandedSockets) accept(m *Message, ln net.Listener) {
	defer l.wg.Done()
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// EMFILE and the like: back off as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(delay):
					continue
				case <-l.done:
					return
				}
			}
			return // closed
		}
		delay = 0
		select {
		case l.queue <- &HandedConn{Conn: conn, msg: m}:
		case <-l.done:
			conn.Close()
			return
		}
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// watch ends the HandedSockets when the channel disconnects.
func (l *HandedSockets) watch() {
	defer l.wg.Done()
	select {
	case <-l.c.done:
		l.end(fmt.Errorf("nodeipc: listener: %w (%w)", net.ErrClosed, l.c.Err()))
	case <-l.done:
	}
}

// end records why the HandedSockets ended, wakes Accept and closes the received
// servers. The first call wins.
func (l *HandedSockets) end(err error) {
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return
	}
	l.err = err
	servers := l.servers
	l.servers = nil
	l.mu.Unlock()
	close(l.done)
	for _, s := range servers {
		s.Close()
	}
}

// Accept waits for and returns the next connection, a *HandedConn. After Close
// or the channel's disconnect it returns the connections already waiting
// (after a disconnect only), then an error wrapping net.ErrClosed.
func (l *HandedSockets) Accept() (net.Conn, error) {
	select {
	case c := <-l.queue:
		return c, nil
	default:
	}
	select {
	case c := <-l.queue:
		return c, nil
	case <-l.done:
	}
	l.mu.Lock()
	closed, err := l.closed, l.err
	l.mu.Unlock()
	if !closed {
		select {
		case c := <-l.queue:
			return c, nil
		default:
		}
	}
	return nil, err
}

// Close ends the HandedSockets: Accept returns an error wrapping net.ErrClosed,
// received servers and the connections still waiting for Accept are
// closed, and handles go to Recv again. Connections already returned by
// Accept stay open: their owners close them. Close waits for the
// HandedSockets's goroutines; calling it again returns nil.
func (l *HandedSockets) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	l.c.lst.mu.Lock()
	if l.c.lst.l == l {
		l.c.lst.l = nil
	}
	l.c.lst.mu.Unlock()
	l.end(fmt.Errorf("nodeipc: listener: %w", net.ErrClosed))
	l.wg.Wait()
	for {
		select {
		case c := <-l.queue:
			c.Close()
		default:
			return nil
		}
	}
}

// Addr returns a placeholder address (network "nodeipc"): the HandedSockets
// serves sockets from any number of servers.
func (l *HandedSockets) Addr() net.Addr { return listenAddr{} }

// Stats reports what the HandedSockets has received so far.
func (l *HandedSockets) Stats() HandedSocketsStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// deliverHandle routes a received message with a handle: to the open
// HandedSockets if it wants it, else to Recv's queue. It runs on the reading
// goroutine; holding lst.mu orders it against HandedSockets.
func (c *Channel) deliverHandle(m *Message) {
	c.lst.mu.Lock()
	defer c.lst.mu.Unlock()
	if l := c.lst.l; l != nil && l.wants(m) {
		l.take(m)
		return
	}
	c.in.push(item{m: m})
}

// peerClosing passes the peer's NODE_SOCKET_NOTIFY_CLOSE to the open
// HandedSockets's OnPeerClose.
func (c *Channel) peerClosing(key string) {
	c.lst.mu.Lock()
	l := c.lst.l
	c.lst.mu.Unlock()
	if l != nil && l.onPeerClose != nil {
		l.onPeerClose(key)
	}
}
