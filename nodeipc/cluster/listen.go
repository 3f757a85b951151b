package cluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// defaultBacklog is what Node passes to listen(2) when no backlog was given.
const defaultBacklog = 511

// Listen asks the primary for a listening socket, as server.listen() does
// in a Node worker, and returns a net.Listener for it. It is ListenWith
// with no options.
func (w *Worker) Listen(ctx context.Context, network, address string) (*Listener, error) {
	return w.ListenWith(ctx, network, address, nil)
}

// ListenOptions are the server.listen() options a worker passes on. A nil
// pointer means defaults.
type ListenOptions struct {
	// Exclusive listens in this process without asking the primary, as
	// Node's `exclusive: true` does: the socket is not shared, the
	// primary is not told, and Worker.Done does not close it (close it
	// yourself).
	Exclusive bool
	// IPv6Only is Node's `ipv6Only` (flags UV_TCP_IPV6ONLY or
	// UV_UDP_IPV6ONLY): an IPv6 socket that does not accept IPv4.
	IPv6Only bool
	// ReuseAddr is dgram's `reuseAddr` (UV_UDP_REUSEADDR; UDP only).
	ReuseAddr bool
	// Backlog is sent in the query (Node's `backlog`; 0 when unset, as
	// Node sends it). A shared socket is listened on with 511 when 0.
	Backlog int
}

// ListenWith asks the primary for a listening socket, as server.listen()
// does in a Node worker. network is "tcp", "tcp4", "tcp6" (address
// "host:port" as for net.Listen: an empty host means every address,
// Node's `listen(port)`; a host name is resolved first, as Node does) or
// "unix" (address a socket path, made absolute as Node does).
//
// Under the primary's round-robin policy (SCHED_RR, Node's default) the
// primary listens and hands each connection to a worker; the listener's
// Accept returns those. Under SCHED_NONE the primary sends a bound socket
// and the worker listens on it itself; the kernel spreads connections among
// the workers. Either way several workers can listen on the same address.
//
// The returned *Listener belongs to the caller; closing it tells the
// primary (`close`). ListenWith fails with a *ListenError when the primary
// cannot listen, with ErrDisconnecting once the worker is leaving, and
// with ctx.Err() when ctx ends first.
func (w *Worker) ListenWith(ctx context.Context, network, address string, opts *ListenOptions) (*Listener, error) {
	var o ListenOptions
	if opts != nil {
		o = *opts
	}
	q, err := resolveQuery(ctx, network, address)
	if err != nil {
		return nil, err
	}
	if o.Exclusive {
		return listenExclusive(w, network, address, q, o)
	}
	var fields []any
	if q.addressType == -1 { // a pipe: no flags (Node sends none)
		fields = []any{"address", q.address, "port", -1, "addressType", -1, "backlog", o.Backlog}
	} else {
		fields = []any{"address", q.address, "port", q.port, "addressType", q.addressType}
		flags := 0
		if o.IPv6Only {
			flags |= uvTCPIPv6Only
		}
		// Node 18 and 20 send no flags for listen(port) without a host.
		if flags != 0 || q.address != nil || w.nodeMajor == 0 || w.nodeMajor >= 22 {
			fields = append(fields, "flags", flags)
		}
		fields = append(fields, "backlog", o.Backlog)
	}
	s, err := w.query(ctx, q, fields, func(m *nodeipc.Message, in *inMsg, listening []any) (workerServer, error) {
		l, err := w.onQueryReply(m, in, network, address, listening, o.Backlog)
		if err != nil {
			return nil, err
		}
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	return s.(*Listener), nil
}

// workerServer is a server a worker got from the primary, by key.
type workerServer interface {
	// close closes it; notify says whether to tell the primary.
	close(notify bool)
}

// query sends queryServer with fields (after act, index and data) and
// runs onReply on the read goroutine with the reply; listening is the
// message to send once the server listens (the query with act
// "listening"). If ctx or the worker ends first, a server the reply
// still brings is closed.
func (w *Worker) query(ctx context.Context, q query, fields []any, onReply func(*nodeipc.Message, *inMsg, []any) (workerServer, error)) (workerServer, error) {
	w.mu.Lock()
	if w.leaving {
		w.mu.Unlock()
		return nil, ErrDisconnecting
	}
	ikey := jsString(q.address) + ":" + strconv.Itoa(q.port) + ":" + strconv.Itoa(q.addressType) + ":" + q.udp
	index := w.indexes[ikey]
	w.indexes[ikey] = index + 1
	w.mu.Unlock()

	type result struct {
		s   workerServer
		err error
	}
	msg := append([]any{"act", "queryServer", "index", index, "data", nil}, fields...)
	res := make(chan result, 1)
	seq := w.send(func(m *nodeipc.Message, in *inMsg) {
		listening := append([]any(nil), msg...)
		listening[1] = "listening"
		s, err := onReply(m, in, listening)
		res <- result{s, err}
	}, msg...)
	select {
	case r := <-res:
		return r.s, r.err
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
			if r.s != nil {
				r.s.close(true)
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
	addressType int    // 4, 6, or -1 for a pipe; 0 for UDP (see udp)
	udp         string // "udp4" or "udp6" for UDP
}

func resolveQuery(ctx context.Context, network, address string) (query, error) {
	if network == "unix" {
		if address == "" {
			return query{}, fmt.Errorf("cluster: listen unix: empty socket path")
		}
		abs, err := filepath.Abs(address)
		if err != nil {
			return query{}, err
		}
		return query{address: abs, port: -1, addressType: -1}, nil
	}
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
		return query{}, fmt.Errorf("cluster: listen: unsupported network %q (want tcp, tcp4, tcp6 or unix)", network)
	}
	if host == "" {
		return q, nil // address null: the primary binds :: or 0.0.0.0
	}
	ip, err := resolveIP(ctx, map[string]string{"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6"}[network], host)
	if err != nil {
		return query{}, err
	}
	if ip.To4() == nil {
		q.addressType = 6
	}
	q.address = ip.String()
	return q, nil
}

func resolveIP(ctx context.Context, network, host string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	return ips[0], nil
}

// onQueryReply handles the primary's answer to queryServer, on the read
// goroutine: it registers the listener before the next message (a newconn
// may follow at once) and sends `listening`.
func (w *Worker) onQueryReply(m *nodeipc.Message, in *inMsg, network, address string, listening []any, backlog int) (*Listener, error) {
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
		switch {
		case network == "unix":
			l.addr = &net.UnixAddr{Name: address, Net: "unix"}
		case in.Sockname != nil:
			l.addr = &net.TCPAddr{IP: net.ParseIP(in.Sockname.Address), Port: in.Sockname.Port}
		default:
			l.addr = &net.TCPAddr{}
		}
	case *os.File: // shared, bound but not listening
		ln, err := listenFile(h, backlog)
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
	if network == "unix" {
		// The path asked for, as a Node worker's server.address() gives it:
		// the primary may have bound the socket by a shorter relative form
		// of it (the address limit), which getsockname then reports.
		l.addr = &net.UnixAddr{Name: address, Net: "unix"}
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
	w.sendListening(listening, l.addr)
	return l, nil
}

// sendListening sends `listening`: the query with act (already) and port
// replaced by the bound port, as Node does (a pipe keeps -1).
func (w *Worker) sendListening(fields []any, addr net.Addr) {
	port := 0
	switch a := addr.(type) {
	case *net.TCPAddr:
		port = a.Port
	case *net.UDPAddr:
		port = a.Port
	}
	if port != 0 {
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "port" {
				fields[i+1] = port
			}
		}
	}
	w.send(nil, fields...)
}

// listenFile calls listen(2) on a bound socket and wraps it. It consumes f
// and never switches the descriptor to blocking mode (the primary shares
// it).
func listenFile(f *os.File, backlog int) (net.Listener, error) {
	defer f.Close()
	if backlog <= 0 {
		backlog = defaultBacklog
	}
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var lerr error
	if err := sc.Control(func(fd uintptr) { lerr = listenFD(fd, backlog) }); err != nil {
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
			return nil, &net.OpError{Op: "accept", Net: l.addr.Network(), Addr: l.addr, Err: net.ErrClosed}
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
			return nil, &net.OpError{Op: "accept", Net: l.addr.Network(), Addr: l.addr, Err: net.ErrClosed}
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
		if s, ok := l.w.servers[l.key].(*Listener); ok && s == l {
			delete(l.w.servers, l.key)
		}
		l.w.mu.Unlock()
		if notify && l.key != "" && l.w.ch.Connected() {
			l.w.send(nil, "act", "close", "key", l.key)
		}
		if l.inner != nil {
			l.inner.Close()
		}
	})
}
