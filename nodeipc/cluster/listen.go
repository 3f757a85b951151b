package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// defaultBacklog is what Node passes to listen(2) when no backlog was given.
const defaultBacklog = 511

// Listen asks the primary for a listening socket, as server.listen() does
// in a Node worker, and returns a net.Listener for it. network is "tcp",
// "tcp4" or "tcp6"; address is "host:port" as for net.Listen (an empty
// host means every address: Node's `listen(port)`; a host name is resolved
// first, as Node does).
//
// Under the primary's round-robin policy (SCHED_RR, Node's default) the
// primary listens and hands each connection to a worker; the listener's
// Accept returns those. Under SCHED_NONE the primary sends a bound socket
// and the worker listens on it itself; the kernel spreads connections among
// the workers. Either way several workers can listen on the same address.
//
// The returned *Listener belongs to the caller; closing it tells the
// primary (`close`). Listen fails with a *ListenError when the primary
// cannot listen, with ErrDisconnecting once the worker is leaving, and
// with ctx.Err() when ctx ends first.
func (w *Worker) Listen(ctx context.Context, network, address string) (*Listener, error) {
	q, err := resolveQuery(ctx, network, address)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	if w.leaving {
		w.mu.Unlock()
		return nil, ErrDisconnecting
	}
	ikey := jsString(q.address) + ":" + strconv.Itoa(q.port) + ":" + strconv.Itoa(q.addressType) + ":"
	index := w.indexes[ikey]
	w.indexes[ikey] = index + 1
	w.mu.Unlock()

	type result struct {
		l   *Listener
		err error
	}
	res := make(chan result, 1)
	fields := []any{"act", "queryServer", "index", index, "data", nil,
		"address", q.address, "port", q.port, "addressType", q.addressType,
		"flags", q.flags, "backlog", 0}
	seq := w.send(func(m *nodeipc.Message, in *inMsg) {
		l, err := w.onQueryReply(m, in, network, address, fields)
		res <- result{l, err}
	}, fields...)
	select {
	case r := <-res:
		return r.l, r.err
	case <-ctx.Done():
	case <-w.done:
	}
	w.mu.Lock()
	_, waiting := w.pending[seq]
	delete(w.pending, seq)
	w.mu.Unlock()
	if !waiting { // the reply is being handled: take and drop it
		select {
		case r := <-res:
			if r.l != nil {
				r.l.Close()
			}
		case <-w.watch:
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("cluster: listen: %w", err)
	}
	return nil, ErrDisconnecting
}

// query is the server part of a queryServer message.
type query struct {
	address     any // nil or string
	port        int
	addressType int
	flags       int
}

func resolveQuery(ctx context.Context, network, address string) (query, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return query{}, err
	}
	port, err := net.DefaultResolver.LookupPort(ctx, network, portStr)
	if err != nil {
		return query{}, err
	}
	q := query{port: port, addressType: 4}
	switch network {
	case "tcp":
	case "tcp4":
		if host == "" {
			host = "0.0.0.0"
		}
	case "tcp6":
		if host == "" {
			host = "::"
		}
	default:
		return query{}, fmt.Errorf("cluster: listen: unsupported network %q (want tcp, tcp4 or tcp6)", network)
	}
	if host == "" {
		return q, nil // address null: the primary binds :: or 0.0.0.0
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ips, err := net.DefaultResolver.LookupIP(ctx, map[string]string{"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6"}[network], host)
		if err != nil {
			return query{}, err
		}
		ip = ips[0]
	}
	if ip.To4() == nil {
		q.addressType = 6
	}
	q.address = ip.String()
	return q, nil
}

// onQueryReply handles the primary's answer to queryServer, on the read
// goroutine: it registers the listener before the next message (a newconn
// may follow at once) and sends `listening`.
func (w *Worker) onQueryReply(m *nodeipc.Message, in *inMsg, network, address string, fields []any) (*Listener, error) {
	h := m.Handle()
	if in.Errno != nil && *in.Errno != 0 {
		closeHandle(h)
		return nil, &ListenError{Network: network, Address: address, Errno: int(*in.Errno)}
	}
	if in.Key == nil {
		closeHandle(h)
		return nil, fmt.Errorf("cluster: listen %s %s: reply without key", network, address)
	}
	l := &Listener{w: w, key: *in.Key, notify: make(chan struct{}, 1), closed: make(chan struct{})}
	switch h := h.(type) {
	case nil: // round-robin
		if in.Sockname != nil {
			l.addr = &net.TCPAddr{IP: net.ParseIP(in.Sockname.Address), Port: in.Sockname.Port}
		} else {
			l.addr = &net.TCPAddr{}
		}
	case *os.File: // shared, bound but not listening
		ln, err := listenFile(h)
		if err != nil {
			w.send(nil, "act", "close", "key", l.key)
			return nil, fmt.Errorf("cluster: listen %s %s: %w", network, address, err)
		}
		l.inner, l.addr = ln, ln.Addr()
	case net.Listener: // shared, already listening
		l.inner, l.addr = h, h.Addr()
	default:
		closeHandle(h)
		w.send(nil, "act", "close", "key", l.key)
		return nil, fmt.Errorf("cluster: listen %s %s: unexpected handle %T", network, address, h)
	}
	w.mu.Lock()
	if _, dup := w.servers[l.key]; dup {
		w.mu.Unlock()
		if l.inner != nil {
			l.inner.Close()
		}
		return nil, fmt.Errorf("cluster: listen %s %s: already listening on key %q", network, address, l.key)
	}
	w.servers[l.key] = l
	w.mu.Unlock()
	// `listening` is the query with act and port replaced, as in Node.
	lf := append([]any(nil), fields...)
	lf[1] = "listening"
	if ta, ok := l.addr.(*net.TCPAddr); ok && ta.Port != 0 {
		lf[9] = ta.Port
	}
	w.send(nil, lf...)
	return l, nil
}

// listenFile calls listen(2) on a bound socket and wraps it. It consumes f
// and never switches the descriptor to blocking mode (the primary shares
// it).
func listenFile(f *os.File) (net.Listener, error) {
	defer f.Close()
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var lerr error
	if err := sc.Control(func(fd uintptr) { lerr = listenFD(fd, defaultBacklog) }); err != nil {
		return nil, err
	}
	if lerr != nil {
		return nil, lerr
	}
	return net.FileListener(f)
}

// Listener is a listening socket in a cluster worker. It implements
// net.Listener. Accept returns connections the primary hands over
// (round-robin) or that the worker accepts on the shared socket
// (SCHED_NONE). Round-robin connections are acknowledged to the primary as
// soon as they arrive (it offers this worker the next one only then) and
// wait in the Listener until Accept takes them. Close tells the primary;
// after it, Accept returns an error wrapping net.ErrClosed, and
// connections the primary still offers are refused, so it gives them to
// other workers. Safe for concurrent use.
type Listener struct {
	w     *Worker
	key   string
	addr  net.Addr
	inner net.Listener // shared socket; nil for round-robin

	mu        sync.Mutex
	queue     []net.Conn // round-robin connections not yet accepted
	notify    chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

var _ net.Listener = (*Listener)(nil)

// Key returns the primary's key for this server (opaque; Node echoes it in
// `close`).
func (l *Listener) Key() string { return l.key }

// Addr returns the listening address: the primary's socket name under
// round-robin, the shared socket's address otherwise.
func (l *Listener) Addr() net.Addr { return l.addr }

// Accept waits for and returns the next connection. The caller owns it.
func (l *Listener) Accept() (net.Conn, error) {
	if l.inner != nil {
		c, err := l.inner.Accept()
		if err != nil && l.isClosed() {
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
		}
		return c, err
	}
	for {
		l.mu.Lock()
		if len(l.queue) > 0 {
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			l.mu.Unlock()
			return c, nil
		}
		l.mu.Unlock()
		select {
		case <-l.notify:
		case <-l.closed:
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
		}
	}
}

func (l *Listener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// push queues a round-robin connection; false if the listener is closed
// (or shared: the primary should not send newconn for it).
func (l *Listener) push(c net.Conn) bool {
	if l.inner != nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isClosed() {
		return false
	}
	l.queue = append(l.queue, c)
	select {
	case l.notify <- struct{}{}:
	default:
	}
	return true
}

// Close stops listening and tells the primary (`close` with the key).
// Connections queued but not accepted are closed. It is idempotent.
func (l *Listener) Close() error {
	l.close(true)
	return nil
}

func (l *Listener) close(notify bool) {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		close(l.closed)
		q := l.queue
		l.queue = nil
		l.mu.Unlock()
		for _, c := range q {
			c.Close()
		}
		l.w.mu.Lock()
		if l.w.servers[l.key] == l {
			delete(l.w.servers, l.key)
		}
		l.w.mu.Unlock()
		if notify && l.w.ch.Connected() {
			l.w.send(nil, "act", "close", "key", l.key)
		}
		if l.inner != nil {
			l.inner.Close()
		}
	})
}
