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
	var index int64
	if in.Index != nil {
		index = *in.Index
	}
	key := queryKey(in, index)
	cached := p.handles[key]
	var h primaryHandle
	if cached != nil && !cached.has(c) {
		h = cached
	}
	if h == nil {
		var err error
		h, err = p.newHandle(in, key)
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

// queryKey is Node 22+'s handle key: "<address>:<port>:<addressType>:<fd>",
// plus ":<index>" when the port is 0 (JavaScript template-literal text:
// a field that is null prints "null", an absent fd "undefined").
func queryKey(in *inMsg, index int64) string {
	port := "null"
	if in.Port != nil {
		port = strconv.FormatInt(*in.Port, 10)
	}
	key := jsString(in.Address) + ":" + port + ":" + jsString(in.AddressType) + ":" + jsString(in.FD)
	if in.Port != nil && *in.Port == 0 {
		key += ":" + strconv.FormatInt(index, 10)
	}
	return key
}

// newHandle creates the server for a worker's query, as Node's primary
// does: UDP always as a shared handle; TCP, Unix-domain sockets and
// inherited descriptors by the scheduling policy.
func (p *Primary) newHandle(in *inMsg, key string) (primaryHandle, error) {
	at := jsString(in.AddressType)
	var port int64
	if in.Port != nil {
		port = *in.Port
	}
	var flags int64
	if in.Flags != nil {
		flags = *in.Flags
	}
	host := ""
	if in.Address != nil {
		host = *in.Address
	}
	if at == "udp4" || at == "udp6" {
		f, err := bindUDP(host, int(port), at == "udp6", flags)
		if err != nil {
			return nil, err
		}
		return &sharedHandle{file: f, workers: map[int]*Child{}}, nil
	}
	if in.FD != nil && *in.FD >= 0 {
		f, err := streamFromFD(int(*in.FD), p.policy != SchedNone)
		if err != nil {
			return nil, err
		}
		if p.policy == SchedNone {
			return &sharedHandle{file: f, workers: map[int]*Child{}}, nil
		}
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		return p.startRR(key, ln), nil
	}
	if port < 0 {
		if at != "-1" || host == "" {
			return nil, syscall.EINVAL
		}
		path := shortestPath(host)
		if p.policy == SchedNone {
			f, err := bindUnix(path)
			if err != nil {
				return nil, err
			}
			return &sharedHandle{file: f, path: path, workers: map[int]*Child{}}, nil
		}
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, err
		}
		return p.startRR(key, ln), nil
	}
	if at != "4" && at != "6" {
		return nil, syscall.EINVAL
	}
	v6only := flags&uvTCPIPv6Only != 0
	if p.policy == SchedNone {
		f, err := bindTCP(host, int(port), at == "6", v6only)
		if err != nil {
			return nil, err
		}
		return &sharedHandle{file: f, workers: map[int]*Child{}}, nil
	}
	ln, err := listenTCP(host, int(port), v6only)
	if err != nil {
		return nil, err
	}
	return p.startRR(key, ln), nil
}

func (p *Primary) startRR(key string, ln net.Listener) *rrHandle {
	h := &rrHandle{p: p, key: key, ln: ln, all: map[int]*Child{}}
	p.wg.Add(1)
	go h.acceptLoop()
	return h
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
	if sn := socknameOf(h.ln.Addr()); sn != nil {
		c.send(nil, "errno", nil, "key", key, "ack", *in.Seq, "data", h.data, "sockname", sn)
	} else { // a Unix-domain socket: Node sends no sockname
		c.send(nil, "errno", nil, "key", key, "ack", *in.Seq, "data", h.data)
	}
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

// sharedHandle is a bound socket the workers share: a stream socket, not
// listening, that every worker listens on itself (SCHED_NONE), or a UDP
// socket every worker receives on (always).
type sharedHandle struct {
	file    *os.File
	path    string // a Unix-domain socket's path, removed on close
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
		if h.path != "" {
			os.Remove(h.path) // as libuv does when a bound pipe closes
		}
	}
}

// bindTCP creates a non-blocking TCP socket bound to host:port, not
// listening, as Node's net._createServerHandle does: SO_REUSEADDR (as
// libuv sets), and for an empty host the IPv6 wildcard, falling back to
// 0.0.0.0.
func bindTCP(host string, port int, v6, v6only bool) (*os.File, error) {
	if host == "" {
		f, err := bindTCPAddr(net.IPv6zero, port, v6only)
		if err == nil {
			return f, nil
		}
		return bindTCPAddr(net.IPv4zero, port, false)
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, syscall.EINVAL
	}
	if !v6 && ip.To4() == nil {
		return nil, syscall.EINVAL
	}
	return bindTCPAddr(ip, port, v6only)
}
