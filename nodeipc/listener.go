package nodeipc

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// DefaultListenBacklog is ListenOptions.Backlog's default.
const DefaultListenBacklog = 1024

// ErrListening is returned by Listen while another Listener of the channel
// is open.
var ErrListening = errors.New("nodeipc: the channel already has an open Listener")

// ListenOptions configures Listen. A nil pointer means defaults.
type ListenOptions struct {
	// Filter chooses the handles the Listener takes. It is called with
	// every received message whose handle is a connection (Message.Conn()
	// is not nil) or a listening socket (Message.Listener() is not nil),
	// and with each such message already queued for Recv when Listen is
	// called; true gives the message and its handle to the Listener, false
	// leaves it for Recv. nil takes them all. It runs on the goroutine that
	// reads the socket (or in Listen): it must be fast, must not block and
	// must not call the channel's methods. In JSON mode, Node's
	// `send('socket', socket)` is matched by string(m.Raw()) == `"socket"`.
	Filter func(m *Message) bool

	// Backlog bounds the connections waiting for Accept (handed over, or
	// accepted on a received server). 0 means DefaultListenBacklog. When a
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

// Listener is a net.Listener fed by the channel: its Accept returns the
// connections the peer hands over (Node's `send(msg, socket)`) and the
// connections accepted on the listening sockets it hands over (`send(msg,
// server)`), as *Conn values that keep the message they came with. It can
// be given to http.Serve, (*http.Server).Serve, grpc's Serve or any server
// loop; plain messages, and handles the Filter declines, still go to Recv.
//
// Routing: from Listen until Close, every received message whose handle
// passes the Filter goes to the Listener and never reaches Recv; messages
// that were queued for Recv when Listen was called are taken too, in
// order, so sockets that arrived before the Listener existed are not lost.
// After Close, handles go to Recv again. A channel has at most one open
// Listener.
//
// Ownership: the Listener owns what it took. Accept hands a *Conn to its
// caller, who closes it (an HTTP server does); closing it closes the
// received socket and, for a socket from a Node server's socket list,
// tells the peer (see TrackedConn), so Node's server.getConnections() and
// server.close() count and wait for connections held here. Received
// servers are accepted on by the Listener and closed by Close (the peer's
// copy stays open; Node keeps accepting on it unless it closes it).
// Connections waiting for Accept are closed by Close.
//
// Ending: Close ends the Listener; so does the channel's disconnect, after
// which Accept still returns the connections already waiting, then an
// error wrapping net.ErrClosed and the channel's error (call Close to free
// the Listener's resources). (*http.Server).Shutdown calls Close. A
// Listener leaves no goroutine once Close returns.
//
// All methods are safe for concurrent use.
type Listener struct {
	c           *Channel
	filter      func(*Message) bool
	onPeerClose func(string)

	queue chan *Conn    // waiting for Accept
	done  chan struct{} // closed when the Listener ends
	wg    sync.WaitGroup

	mu      sync.Mutex
	err     error          // why it ended; set before done closes
	servers []net.Listener // received servers being accepted on
	stats   ListenerStats
	closed  bool
}

// ListenerStats counts what a Listener received.
type ListenerStats struct {
	Conns   int // connections handed over
	Servers int // listening sockets handed over
	Dropped int // handed-over connections closed because Backlog were waiting
}

// Conn is a connection returned by Listener.Accept: the received socket
// (or a connection accepted on a received server) and the message that
// came with it. Close it as any net.Conn.
type Conn struct {
	net.Conn
	msg *Message
}

// Message returns the message the socket came with; for a connection
// accepted on a received server, the message the server came with. Its
// Handle is the socket itself (or that server): it belongs to the
// Listener and this Conn, and must not be closed through the Message.
func (c *Conn) Message() *Message { return c.msg }

// NetConn returns the underlying connection: a *net.TCPConn, a
// *net.UnixConn or a *TrackedConn. Close the Conn, not the underlying
// connection.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// CloseWrite shuts down the writing side of the connection when the
// underlying socket supports it (TCP and Unix-domain sockets do).
func (c *Conn) CloseWrite() error {
	u := c.Conn
	if t, ok := u.(*TrackedConn); ok {
		u = t.NetConn()
	}
	if cw, ok := u.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("nodeipc: CloseWrite: %T does not support it", u)
}

// ConnMessage returns the message a connection accepted from a Listener
// came with, looking through wrappers that have a NetConn method (such as
// *tls.Conn), or nil for any other connection. With net/http:
//
//	srv := &http.Server{ConnContext: func(ctx context.Context, c net.Conn) context.Context {
//		return context.WithValue(ctx, msgKey{}, nodeipc.ConnMessage(c))
//	}}
func ConnMessage(c net.Conn) *Message {
	for i := 0; c != nil && i < 8; i++ {
		switch cc := c.(type) {
		case *Conn:
			return cc.msg
		case interface{ NetConn() net.Conn }:
			c = cc.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// listenAddr is a Listener's address.
type listenAddr struct{}

func (listenAddr) Network() string { return "nodeipc" }
func (listenAddr) String() string  { return "nodeipc-channel" }

// listenRoute is the channel's routing of received handles to its open
// Listener. mu orders deliveries against Listen taking queued messages.
type listenRoute struct {
	mu sync.Mutex
	l  *Listener
}

// Listen returns a Listener fed by the handles received on the channel (see
// Listener for the routing and ownership rules). It fails with ErrListening
// while another Listener is open, and with the channel's error once it is
// disconnected.
func (c *Channel) Listen(opts *ListenOptions) (*Listener, error) {
	var o ListenOptions
	if opts != nil {
		o = *opts
	}
	if o.Backlog < 0 {
		return nil, errors.New("nodeipc: negative ListenOptions.Backlog")
	}
	if o.Backlog == 0 {
		o.Backlog = DefaultListenBacklog
	}
	if !c.Connected() {
		if err := c.Err(); err != nil {
			return nil, err
		}
		return nil, net.ErrClosed
	}
	l := &Listener{
		c:           c,
		filter:      o.Filter,
		onPeerClose: o.OnPeerClose,
		done:        make(chan struct{}),
	}
	c.lst.mu.Lock()
	defer c.lst.mu.Unlock()
	if c.lst.l != nil {
		return nil, ErrListening
	}
	queued := c.in.takeMatching(l.wants)
	conns := 0
	for _, m := range queued {
		if m.Conn() != nil {
			conns++
		}
	}
	l.queue = make(chan *Conn, max(o.Backlog, conns))
	for _, m := range queued {
		l.take(m)
	}
	c.lst.l = l
	l.wg.Add(1)
	go l.watch()
	return l, nil
}

// wants reports whether the Listener takes m.
func (l *Listener) wants(m *Message) bool {
	if m.Conn() == nil && m.Listener() == nil {
		return false
	}
	return l.filter == nil || l.filter(m)
}

// take queues a handed connection or starts accepting on a handed server.
// Called with c.lst.mu held, before the Listener is closed.
func (l *Listener) take(m *Message) {
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
	conn := &Conn{Conn: m.Conn(), msg: m}
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
func (l *Listener) accept(m *Message, ln net.Listener) {
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
		case l.queue <- &Conn{Conn: conn, msg: m}:
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

// watch ends the Listener when the channel disconnects.
func (l *Listener) watch() {
	defer l.wg.Done()
	select {
	case <-l.c.done:
		l.end(fmt.Errorf("nodeipc: listener: %w (%w)", net.ErrClosed, l.c.Err()))
	case <-l.done:
	}
}

// end records why the Listener ended, wakes Accept and closes the received
// servers. The first call wins.
func (l *Listener) end(err error) {
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

// Accept waits for and returns the next connection, a *Conn. After Close
// or the channel's disconnect it returns the connections already waiting
// (after a disconnect only), then an error wrapping net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
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

// Close ends the Listener: Accept returns an error wrapping net.ErrClosed,
// received servers and the connections still waiting for Accept are
// closed, and handles go to Recv again. Connections already returned by
// Accept stay open: their owners close them. Close waits for the
// Listener's goroutines; calling it again returns nil.
func (l *Listener) Close() error {
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

// Addr returns a placeholder address (network "nodeipc"): the Listener
// serves sockets from any number of servers.
func (l *Listener) Addr() net.Addr { return listenAddr{} }

// Stats reports what the Listener has received so far.
func (l *Listener) Stats() ListenerStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// deliverHandle routes a received message with a handle: to the open
// Listener if it wants it, else to Recv's queue. It runs on the reading
// goroutine; holding lst.mu orders it against Listen.
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
// Listener's OnPeerClose.
func (c *Channel) peerClosing(key string) {
	c.lst.mu.Lock()
	l := c.lst.l
	c.lst.mu.Unlock()
	if l != nil && l.onPeerClose != nil {
		l.onPeerClose(key)
	}
}
