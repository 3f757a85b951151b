package cluster

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// ListenPacket asks the primary for a UDP socket, as a dgram socket's
// bind() does in a Node worker: the primary binds one socket per address
// and shares it with every worker that asks (whatever the scheduling
// policy), so the workers receive the datagrams in turn as the kernel
// hands them out. network is "udp4", "udp6" (Node's socket types) or "udp"
// (udp6 for an IPv6 host, udp4 otherwise); address is "host:port" (an
// empty host is 0.0.0.0 or ::, as in Node; a name is resolved first).
// opts may set IPv6Only, ReuseAddr and Exclusive (bind in this process
// without the primary).
//
// The returned *PacketConn belongs to the caller; closing it tells the
// primary (`close`). The errors are Listen's.
func (w *Worker) ListenPacket(ctx context.Context, network, address string, opts *ListenOptions) (*PacketConn, error) {
	var o ListenOptions
	if opts != nil {
		o = *opts
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := net.DefaultResolver.LookupPort(ctx, "udp", portStr)
	if err != nil {
		return nil, err
	}
	var ip net.IP
	if host != "" {
		lookup := map[string]string{"udp": "ip", "udp4": "ip4", "udp6": "ip6"}[network]
		if lookup == "" {
			return nil, fmt.Errorf("cluster: listen: unsupported network %q (want udp, udp4 or udp6)", network)
		}
		if ip, err = resolveIP(ctx, lookup, host); err != nil {
			return nil, err
		}
	}
	typ := network
	switch network {
	case "udp":
		typ = "udp4"
		if ip != nil && ip.To4() == nil {
			typ = "udp6"
		}
	case "udp4", "udp6":
	default:
		return nil, fmt.Errorf("cluster: listen: unsupported network %q (want udp, udp4 or udp6)", network)
	}
	if ip == nil {
		ip = net.IPv4zero
		if typ == "udp6" {
			ip = net.IPv6zero
		}
	}
	if o.Exclusive {
		return listenPacketExclusive(w, typ, ip, port, o)
	}
	flags := 0
	if o.IPv6Only {
		flags |= uvUDPIPv6Only
	}
	if o.ReuseAddr {
		flags |= uvUDPReuseAddr
	}
	q := query{address: ip.String(), port: port, udp: typ}
	fields := []any{"address", ip.String(), "port", port, "addressType", typ, "fd", -1, "flags", flags}
	s, err := w.query(ctx, q, fields, func(m *nodeipc.Message, in *inMsg, listening []any) (workerServer, error) {
		pc, err := w.onBindReply(m, in, network, address, listening)
		if err != nil {
			return nil, err
		}
		return pc, nil
	})
	if err != nil {
		return nil, err
	}
	return s.(*PacketConn), nil
}

// onBindReply handles the primary's answer to a UDP queryServer, on the
// read goroutine.
func (w *Worker) onBindReply(m *nodeipc.Message, in *inMsg, network, address string, listening []any) (*PacketConn, error) {
	h := m.Handle()
	if in.Errno != nil && *in.Errno != 0 {
		closeHandle(h)
		return nil, &ListenError{Network: network, Address: address, Errno: int(*in.Errno)}
	}
	if in.Key == nil {
		closeHandle(h)
		return nil, fmt.Errorf("cluster: listen %s %s: reply without key", network, address)
	}
	uc, ok := h.(*net.UDPConn)
	if !ok {
		closeHandle(h)
		w.send(nil, "act", "close", "key", *in.Key)
		return nil, fmt.Errorf("cluster: listen %s %s: the primary sent %T, not a UDP socket", network, address, h)
	}
	pc := &PacketConn{UDPConn: uc, w: w, key: *in.Key}
	w.mu.Lock()
	if _, dup := w.servers[pc.key]; dup {
		w.mu.Unlock()
		uc.Close()
		return nil, fmt.Errorf("cluster: listen %s %s: already bound on key %q", network, address, pc.key)
	}
	w.servers[pc.key] = pc
	w.mu.Unlock()
	w.sendListening(listening, uc.LocalAddr())
	return pc, nil
}

// PacketConn is a UDP socket in a cluster worker: the primary's shared
// socket (or, with Exclusive, this process's own). It is a *net.UDPConn
// whose Close also tells the primary. Worker.Done's disconnect closes it.
// Safe for concurrent use, as *net.UDPConn is.
type PacketConn struct {
	*net.UDPConn
	w         *Worker
	key       string // "" when exclusive
	closeOnce sync.Once
}

var _ net.PacketConn = (*PacketConn)(nil)

// Key returns the primary's key for this socket ("" when exclusive).
func (p *PacketConn) Key() string { return p.key }

// Close closes the socket and tells the primary (`close` with the key).
// It is idempotent.
func (p *PacketConn) Close() error {
	var err error
	p.closeOnce.Do(func() { err = p.shut(true) })
	return err
}

func (p *PacketConn) close(notify bool) {
	p.closeOnce.Do(func() { p.shut(notify) })
}

func (p *PacketConn) shut(notify bool) error {
	if p.key != "" {
		p.w.mu.Lock()
		if s, ok := p.w.servers[p.key].(*PacketConn); ok && s == p {
			delete(p.w.servers, p.key)
		}
		p.w.mu.Unlock()
		if notify && p.w.ch.Connected() {
			p.w.send(nil, "act", "close", "key", p.key)
		}
	}
	return p.UDPConn.Close()
}

// listenExclusive listens in this process, as Node's `exclusive: true`
// does in a worker: the primary is not asked or told.
func listenExclusive(w *Worker, network, address string, q query, o ListenOptions) (*Listener, error) {
	lc := net.ListenConfig{Control: socketControl(o.IPv6Only, false)}
	var ln net.Listener
	var err error
	if q.addressType == -1 {
		ln, err = lc.Listen(context.Background(), "unix", q.address.(string))
	} else {
		host := ""
		if q.address != nil {
			host = q.address.(string)
		}
		ln, err = lc.Listen(context.Background(), network, net.JoinHostPort(host, strconv.Itoa(q.port)))
	}
	if err != nil {
		return nil, err
	}
	return &Listener{w: w, inner: ln, addr: ln.Addr(), notify: make(chan struct{}, 1), closed: make(chan struct{})}, nil
}

func listenPacketExclusive(w *Worker, typ string, ip net.IP, port int, o ListenOptions) (*PacketConn, error) {
	lc := net.ListenConfig{Control: socketControl(o.IPv6Only, o.ReuseAddr)}
	pc, err := lc.ListenPacket(context.Background(), typ, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return &PacketConn{UDPConn: pc.(*net.UDPConn), w: w}, nil
}
