package cluster

import (
	"errors"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

// primaryHandle is a server the primary keeps for its workers, under one
// key: a round-robin listener or a shared bound socket. All methods run
// with Primary.mu held.
type primaryHandle interface {
	has(c *Child) bool
	// add registers c and sends it the queryServer reply.
	add(c *Child, in *inMsg, key string)
	// remove takes c out; true when no worker is left and the handle was
	// closed.
	remove(c *Child) bool
	close()
	dataPtr() *any
}

// queryServer answers a worker's request for a listening socket. p.mu must
// be held.
func (p *Primary) queryServer(c *Child, in *inMsg) {
	if c.exitedAfter || in.Seq == nil {
		return // Node ignores queries from a leaving worker
	}
	var port, index int64
	if in.Port != nil {
		port = *in.Port
	}
	if in.Index != nil {
		index = *in.Index
	}
	key := jsString(in.Address) + ":" + strconv.FormatInt(port, 10) + ":" + jsString(in.AddressType) + ":" + jsString(in.FD)
	if port == 0 {
		key += ":" + strconv.FormatInt(index, 10)
	}
	cached := p.handles[key]
	var h primaryHandle
	if cached != nil && !cached.has(c) {
		h = cached
	}
	if h == nil {
		var err error
		h, err = p.newHandle(c, in, key, port)
		if err != nil {
			c.send(nil, "errno", errnoOf(err), "key", key, "ack", *in.Seq, "data", in.Data)
			return
		}
		if cached == nil {
			p.handles[key] = h
		}
	}
	if d := h.dataPtr(); *d == nil {
		*d = in.Data
	}
	h.add(c, in, key)
}

func (p *Primary) newHandle(c *Child, in *inMsg, key string, port int64) (primaryHandle, error) {
	at := jsString(in.AddressType)
	if (at != "4" && at != "6") || in.FD != nil || port < 0 {
		return nil, errNotSupported()
	}
	host := ""
	if in.Address != nil {
		host = *in.Address
	}
	if p.policy == SchedNone {
		f, err := bindTCP(host, int(port), at == "6")
		if err != nil {
			return nil, err
		}
		return &sharedHandle{file: f, workers: map[int]*Child{}}, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.FormatInt(port, 10)))
	if err != nil {
		return nil, err
	}
	h := &rrHandle{p: p, key: key, ln: ln, all: map[int]*Child{}}
	p.wg.Add(1)
	go h.acceptLoop()
	return h, nil
}

// rrHandle is a round-robin server: the primary accepts and offers each
// connection to a free worker (one without an unanswered newconn).
type rrHandle struct {
	p     *Primary
	key   string
	ln    net.Listener
	data  any
	all   map[int]*Child
	free  []*Child
	conns []net.Conn
}

func (h *rrHandle) dataPtr() *any     { return &h.data }
func (h *rrHandle) has(c *Child) bool { _, ok := h.all[c.id]; return ok }
func (h *rrHandle) isClosed() bool    { return h.ln == nil }
func (h *rrHandle) add(c *Child, in *inMsg, key string) {
	h.all[c.id] = c
	c.send(nil, "errno", nil, "key", key, "ack", *in.Seq, "data", h.data, "sockname", socknameOf(h.ln.Addr()))
	h.handoff(c)
}

func (h *rrHandle) acceptLoop() {
	defer h.p.wg.Done()
	ln := h.ln
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE; Node skips too
			continue
		}
		h.p.mu.Lock()
		h.distribute(conn)
		h.p.mu.Unlock()
	}
}

func (h *rrHandle) distribute(conn net.Conn) {
	if h.isClosed() {
		conn.Close()
		return
	}
	h.conns = append(h.conns, conn)
	if len(h.free) > 0 {
		c := h.free[0]
		h.free = h.free[1:]
		h.handoff(c)
	}
}

func (h *rrHandle) handoff(c *Child) {
	if !h.has(c) {
		return // leaving, or the handle is closed
	}
	if len(h.conns) == 0 {
		for _, f := range h.free {
			if f == c {
				return
			}
		}
		h.free = append(h.free, c)
		return
	}
	conn := h.conns[0]
	h.conns[0] = nil
	h.conns = h.conns[1:]
	seq := h.p.nextSeq()
	c.pending[seq] = func(in *inMsg) {
		if in.Accepted {
			conn.Close() // the worker has its own copy
		} else {
			h.distribute(conn)
		}
		h.handoff(c)
	}
	c.out.push(outItem{
		v: newconnMsg{Cmd: cmdCluster, Act: "newconn", Key: h.key, Seq: seq},
		h: conn,
		onErr: func(error) {
			h.p.mu.Lock()
			defer h.p.mu.Unlock()
			if _, ok := c.pending[seq]; ok {
				delete(c.pending, seq)
				h.distribute(conn) // give it to another worker
			}
		},
	})
}

func (h *rrHandle) remove(c *Child) bool {
	if !h.has(c) {
		return false
	}
	delete(h.all, c.id)
	for i, f := range h.free {
		if f == c {
			h.free = append(h.free[:i], h.free[i+1:]...)
			break
		}
	}
	if len(h.all) != 0 {
		return false
	}
	h.close()
	return true
}

func (h *rrHandle) close() {
	if h.ln == nil {
		return
	}
	h.ln.Close()
	h.ln = nil
	for _, c := range h.conns {
		c.Close()
	}
	h.conns, h.free = nil, nil
	h.all = map[int]*Child{}
}

// sharedHandle is a bound, not listening socket that every worker listens
// on itself (SCHED_NONE).
type sharedHandle struct {
	file    *os.File
	data    any
	workers map[int]*Child
}

func (h *sharedHandle) dataPtr() *any     { return &h.data }
func (h *sharedHandle) has(c *Child) bool { _, ok := h.workers[c.id]; return ok }
func (h *sharedHandle) add(c *Child, in *inMsg, key string) {
	h.workers[c.id] = c
	c.out.push(outItem{
		v: sharedReply{Cmd: cmdCluster, Errno: 0, Key: key, Ack: *in.Seq, Data: h.data, Seq: c.p.nextSeq()},
		h: h.file,
	})
}

func (h *sharedHandle) remove(c *Child) bool {
	if !h.has(c) {
		return false
	}
	delete(h.workers, c.id)
	if len(h.workers) != 0 {
		return false
	}
	h.close()
	return true
}

// close closes the primary's copy. A transfer still queued in an outbox
// then fails; the workers that already have the socket keep it.
func (h *sharedHandle) close() {
	if h.file != nil {
		h.file.Close()
		h.file = nil
	}
}

// bindTCP creates a non-blocking TCP socket bound to host:port, not
// listening, as Node's net._createServerHandle does: SO_REUSEADDR (as
// libuv sets), and for an empty host the IPv6 wildcard, falling back to
// 0.0.0.0.
func bindTCP(host string, port int, v6 bool) (*os.File, error) {
	if host == "" {
		f, err := bindTCPAddr(net.IPv6zero, port)
		if err == nil {
			return f, nil
		}
		return bindTCPAddr(net.IPv4zero, port)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, syscall.EINVAL
	}
	if !v6 && ip.To4() == nil {
		return nil, syscall.EINVAL
	}
	return bindTCPAddr(ip, port)
}
