package nodeipc

import (
	"context"
	"fmt"
	"net"
	"sync"
)

// socketLists is the channel's part of Node's socket lists
// (lib/internal/socket_list.js), in both roles:
//
//   - receiver: per connection key, how many net.Socket handles received
//     with that key are still open; answers NODE_SOCKET_GET_COUNT and
//     NODE_SOCKET_NOTIFY_CLOSE. Deno's parent sends its own variant: the
//     handle's key in socketListKey, and an id in each query that the
//     answer repeats (NODE_SOCKET_COUNT with the id; NODE_SOCKET_CLOSE_ACK
//     with the id instead of NODE_SOCKET_ALL_CLOSED).
//   - sender: waiters for the peer's NODE_SOCKET_COUNT and
//     NODE_SOCKET_ALL_CLOSED replies (SocketCount, NotifyClose).
type socketLists struct {
	mu       sync.Mutex
	recv     map[string]*recvList
	counts   map[string][]chan countReply
	closes   map[string][]chan countReply
	finished bool

	// idle lists, oldest first, the keys whose sockets are all closed.
	// Node keeps such a key forever (and answers for it with a count of
	// 0); here at most maxIdleKeys keys of at most maxIdleKeyBytes bytes
	// in all are kept, after which the key idle the longest is forgotten
	// and treated like a key never seen.
	idle      []idleKey
	idleSeq   uint64
	idleBytes int // bytes of the keys in idle
}

// maxIdleKeys and maxIdleKeyBytes bound the connection keys remembered
// without an open socket, by number and by bytes. Node's keys
// (address:port:type:fd) are a few dozen bytes, so the count is what binds
// with a Node peer; the bytes bound a peer that sends long keys.
const (
	maxIdleKeys     = 1024
	maxIdleKeyBytes = 64 << 10
)

type idleKey struct {
	key string
	seq uint64
}

type recvList struct {
	open        int
	notifyClose bool      // a NOTIFY_CLOSE waits for open to reach 0
	closeIDs    []float64 // Deno's numbered NOTIFY_CLOSE queries waiting
	idleSeq     uint64    // when open last reached 0 (0: never, or open since)
}

// maxCloseIDs bounds the numbered close queries waiting on one key (a
// Deno parent sends one per server.close()); more are answered at once.
const maxCloseIDs = 64

// query is what identifies a socket-list query: Deno numbers them.
type query struct {
	id       float64
	numbered bool
}

// allClosed posts the answers to the close queries that waited for key's
// sockets to close.
func allClosed(c *Channel, key string, node bool, ids []float64) {
	if node {
		c.postReply(field{"cmd", "NODE_SOCKET_ALL_CLOSED"}, field{"key", key})
	}
	for _, id := range ids {
		c.postReply(field{"cmd", "NODE_SOCKET_CLOSE_ACK"}, field{"key", key}, field{"id", id})
	}
}

type countReply struct {
	n   int
	err error
}

func (s *socketLists) init() {
	s.recv = make(map[string]*recvList)
	s.counts = make(map[string][]chan countReply)
	s.closes = make(map[string][]chan countReply)
}

// track counts a received socket and wraps it so that closing it is seen.
func (s *socketLists) track(c *Channel, key string, conn net.Conn) *TrackedConn {
	s.mu.Lock()
	l := s.recv[key]
	if l == nil {
		l = &recvList{}
		s.recv[key] = l
	}
	l.open++
	l.idleSeq = 0
	s.mu.Unlock()
	return &TrackedConn{Conn: conn, onClose: func() {
		s.mu.Lock()
		l.open--
		var node bool
		var ids []float64
		if l.open == 0 {
			node, ids = l.notifyClose, l.closeIDs
			l.notifyClose, l.closeIDs = false, nil
			s.markIdle(key, l)
		}
		s.mu.Unlock()
		allClosed(c, key, node, ids)
	}}
}

// markIdle queues key, whose sockets are all closed, for forgetting, and
// forgets the keys idle the longest while more than maxIdleKeys, or more
// than maxIdleKeyBytes bytes of keys, are. s.mu is held.
func (s *socketLists) markIdle(key string, l *recvList) {
	s.idleSeq++
	l.idleSeq = s.idleSeq
	s.idle = append(s.idle, idleKey{key, s.idleSeq})
	s.idleBytes += len(key)
	for len(s.idle) > maxIdleKeys || s.idleBytes > maxIdleKeyBytes {
		old := s.idle[0]
		s.idle[0] = idleKey{}
		s.idle = s.idle[1:]
		s.idleBytes -= len(old.key)
		if ol := s.recv[old.key]; ol != nil && ol.idleSeq == old.seq && ol.open == 0 && !ol.notifyClose && len(ol.closeIDs) == 0 {
			delete(s.recv, old.key)
		}
	}
	if cap(s.idle) > 4*maxIdleKeys {
		s.idle = append([]idleKey(nil), s.idle...)
	}
}

// handle reacts to a socket-list message from the peer.
func (s *socketLists) handle(c *Channel, cmd, key string, count int, q query) {
	switch cmd {
	case "NODE_SOCKET_GET_COUNT":
		s.mu.Lock()
		l := s.recv[key]
		n := 0
		if l != nil {
			n = l.open
		}
		s.mu.Unlock()
		switch {
		case l == nil: // Node does not answer for an unknown key
		case q.numbered:
			c.postReply(field{"cmd", "NODE_SOCKET_COUNT"}, field{"key", key}, field{"id", q.id}, field{"count", n})
		default:
			c.postReply(field{"cmd", "NODE_SOCKET_COUNT"}, field{"key", key}, field{"count", n})
		}
	case "NODE_SOCKET_NOTIFY_CLOSE":
		s.mu.Lock()
		l := s.recv[key]
		reply := l != nil && (l.open == 0 || q.numbered && len(l.closeIDs) >= maxCloseIDs)
		if l != nil && !reply {
			if q.numbered {
				l.closeIDs = append(l.closeIDs, q.id)
			} else {
				l.notifyClose = true
			}
		}
		s.mu.Unlock()
		if reply {
			var ids []float64
			if q.numbered {
				ids = []float64{q.id}
			}
			allClosed(c, key, !q.numbered, ids)
		}
	case "NODE_SOCKET_COUNT":
		s.answer(s.counts, key, countReply{n: count})
	case "NODE_SOCKET_ALL_CLOSED":
		s.answer(s.closes, key, countReply{})
	}
}

func (s *socketLists) answer(m map[string][]chan countReply, key string, r countReply) {
	s.mu.Lock()
	ws := m[key]
	delete(m, key)
	s.mu.Unlock()
	for _, w := range ws {
		w <- r
	}
}

// disconnected fails every waiter, as Node fails getConnections() with
// ERR_CHILD_CLOSED_BEFORE_REPLY.
func (s *socketLists) disconnected() {
	s.mu.Lock()
	s.finished = true
	var ws []chan countReply
	for k, l := range s.counts {
		ws = append(ws, l...)
		delete(s.counts, k)
	}
	for k, l := range s.closes {
		ws = append(ws, l...)
		delete(s.closes, k)
	}
	s.mu.Unlock()
	for _, w := range ws {
		w <- countReply{err: ErrDisconnected}
	}
}

func (s *socketLists) wait(ctx context.Context, c *Channel, m map[string][]chan countReply, cmd, key string) (int, error) {
	ch := make(chan countReply, 1)
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return 0, ErrDisconnected
	}
	m[key] = append(m[key], ch)
	s.mu.Unlock()
	if err := c.postInternal(field{"cmd", cmd}, field{"key", key}); err != nil {
		return 0, err
	}
	select {
	case r := <-ch:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// SocketCount asks the peer how many of the sockets this process sent it
// with the connection key (SendHandleOptions.Key) are still open, like the
// per-child part of Node's server.getConnections(). A Node peer that never
// received a socket with that key does not answer: SocketCount then waits
// until ctx ends. It fails when the channel disconnects first.
func (c *Channel) SocketCount(ctx context.Context, key string) (int, error) {
	n, err := c.sl.wait(ctx, c, c.sl.counts, "NODE_SOCKET_GET_COUNT", key)
	if err != nil {
		return 0, &opError{fmt.Sprintf("socket count %q", key), err}
	}
	return n, nil
}

// NotifyClose tells the peer that the server behind key is closing and waits
// until it reports that every socket it received with that key is closed,
// like the per-child part of Node's server.close(). The same rules as for
// SocketCount apply to unknown keys and disconnects.
func (c *Channel) NotifyClose(ctx context.Context, key string) error {
	if _, err := c.sl.wait(ctx, c, c.sl.closes, "NODE_SOCKET_NOTIFY_CLOSE", key); err != nil {
		return &opError{fmt.Sprintf("notify close %q", key), err}
	}
	return nil
}
