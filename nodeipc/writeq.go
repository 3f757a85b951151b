package nodeipc

import (
	"fmt"
	"sync"
)

// writeReq is one frame waiting to be written. It carries its own
// completion: done (a Send waiting for its frame to reach the kernel), and,
// for a frame that carries a descriptor, the handle transfer it belongs to.
type writeReq struct {
	b    []byte
	h    *outHandle // the frame carries h's descriptor
	kind reqKind
	// pooled: b came from writer.getBuf and nobody else keeps it; it goes
	// back to the free list once written.
	pooled bool
	done   chan error // nil when nobody waits for the write
}

// reqKind says which of the queue's rules and bounds a request is under.
type reqKind uint8

const (
	reqMessage reqKind = iota // user or internal message, in order
	reqPosted                 // a message from Post: under the byte bound
	reqReply                  // socket-list reply: in order, under the reply bound
	reqControl                // NODE_HANDLE_ACK/NACK: overtakes every message
)

// outHandle is one handle transfer: it owns the duplicate of the
// descriptor from the moment it is queued until it finishes, exactly once,
// after the peer's ACK (nil), after the last NACK (ErrHandleNotReceived),
// or when it can no longer be written (the write, ctx or channel error).
// Whoever removes it from the queue or the in-flight slot finishes it.
type outHandle struct {
	frame []byte   // the NODE_HANDLE envelope, sent again after a NACK
	tx    txHandle // the transport's duplicate of the socket; closed when finished
	tries int      // retransmissions so far
	onAck func()   // run once after the ACK (e.g. close a moved socket)

	// Completion: exactly one of them is set.
	result chan error  // SendHandle waits on it (buffered)
	cb     func(error) // PostHandle's callback, run on its own goroutine

	once sync.Once
}

func (h *outHandle) finish(err error) {
	h.once.Do(func() {
		h.tx.close()
		if err == nil && h.onAck != nil {
			h.onAck()
		}
		if h.result != nil {
			h.result <- err
		} else if h.cb != nil {
			go h.cb(err)
		}
	})
}

// Bounds of the write queue.
const (
	// maxRetransmissions is Node's limit for NACKed sockets.
	maxRetransmissions = 3

	// maxPendingControl bounds the ACK/NACK frames waiting to be written. A
	// conforming peer has one NODE_HANDLE in flight at a time, so a handful
	// at most are ever pending; thousands mean the peer sends handle
	// messages without reading our answers, and the queue would grow with
	// its input.
	maxPendingControl = 1024

	// maxPendingReplies bounds the socket-list replies (NODE_SOCKET_COUNT,
	// NODE_SOCKET_ALL_CLOSED) waiting to be written, by the same reasoning:
	// each answers one query of the peer, and a peer that queries without
	// reading the answers would otherwise grow the queue with its input.
	maxPendingReplies = 1024
)

// reqFIFO is a queue of requests that reuses its array once drained, so
// that a steady stream allocates nothing.
type reqFIFO struct {
	s    []*writeReq
	head int
}

// maxKeptFIFO is the capacity beyond which a drained FIFO lets its array go
// (a burst should not pin its peak).
const maxKeptFIFO = 4096

func (f *reqFIFO) len() int { return len(f.s) - f.head }

func (f *reqFIFO) push(r *writeReq) { f.s = append(f.s, r) }

func (f *reqFIFO) pushFront(r *writeReq) {
	if f.head > 0 {
		f.head--
		f.s[f.head] = r
		return
	}
	f.s = append(f.s, nil)
	copy(f.s[1:], f.s)
	f.s[0] = r
}

func (f *reqFIFO) peek() *writeReq { return f.s[f.head] }

func (f *reqFIFO) pop() *writeReq {
	r := f.s[f.head]
	f.s[f.head] = nil
	f.head++
	if f.head == len(f.s) {
		f.reset()
	}
	return r
}

func (f *reqFIFO) reset() {
	if cap(f.s) > maxKeptFIFO {
		f.s = nil
	} else {
		f.s = f.s[:0]
	}
	f.head = 0
}

// remove deletes r and reports whether it was there.
func (f *reqFIFO) remove(r *writeReq) bool {
	for i := f.head; i < len(f.s); i++ {
		if f.s[i] == r {
			copy(f.s[i:], f.s[i+1:])
			f.s[len(f.s)-1] = nil
			f.s = f.s[:len(f.s)-1]
			if f.head == len(f.s) {
				f.reset()
			}
			return true
		}
	}
	return false
}

// drain returns every request, in order, and empties f.
func (f *reqFIFO) drain() []*writeReq {
	rs := f.s[f.head:]
	f.s, f.head = nil, 0
	return rs
}

// writeQueue holds the frames waiting to be written and the rules for the
// order in which they leave; nothing else. It does no I/O, takes no locks
// (the writer guards it with its mutex) and knows nothing of the channel:
// requests carry their own completion.
//
// The rules, as in Node:
//   - control frames (handle ACK/NACK) overtake every queued message;
//   - every other frame leaves in the order it was queued;
//   - a frame carrying a descriptor is written alone, so that the
//     descriptor rides with the frame's own first byte;
//   - once written, that handle is in flight: every later message waits
//     until the peer answers it (control frames still leave);
//   - a NACK sends the original envelope again, ahead of the queue, up to
//     maxRetransmissions times; the next NACK fails the transfer with
//     ErrHandleNotReceived;
//   - bounds: maxPendingControl control frames, maxPendingReplies
//     socket-list replies, maxBytes of posted messages.
type writeQueue struct {
	ctrl     reqFIFO    // control frames, in order
	msgs     reqFIFO    // everything else, in order
	inflight *outHandle // written, waiting for the peer's ACK or NACK

	bytes    int // bytes of the frames in msgs
	replies  int // reqReply frames in msgs
	maxBytes int // bound on buffered() for reqPosted frames; <= 0: none

	// The batch taken (next, start) and not yet finished: one at a time,
	// as the writer's token allows.
	taken, takenFrames int
}

// errors returned by push; the caller decides what they mean for the
// channel.
func errControlFull(n int) error {
	return fmt.Errorf("%w: %d handle acknowledgements unwritten: the peer does not read", ErrOverrun, n)
}

func errRepliesFull(n int) error {
	return fmt.Errorf("%w: %d socket-list replies unwritten: the peer does not read", ErrOverrun, n)
}

// push queues r under its kind's rule and bound. It returns an error, and
// queues nothing, when the bound is reached: for reqControl and reqReply an
// error wrapping ErrOverrun (the peer does not read: the caller ends the
// channel), for reqPosted one wrapping ErrPostWouldBlock (the caller may try
// again later). A posted message is always accepted while no other message
// is queued, however large.
func (q *writeQueue) push(r *writeReq) error {
	switch r.kind {
	case reqControl:
		if n := q.ctrl.len(); n >= maxPendingControl {
			return errControlFull(n)
		}
		q.ctrl.push(r)
		return nil
	case reqReply:
		if q.replies >= maxPendingReplies {
			return errRepliesFull(q.replies)
		}
		q.replies++
	case reqPosted:
		if b := q.buffered(); q.maxBytes > 0 && b > 0 && b+len(r.b) > q.maxBytes {
			return fmt.Errorf("%w: %d bytes unwritten, limit %d", ErrPostWouldBlock, b, q.maxBytes)
		}
	}
	q.msgs.push(r)
	q.bytes += len(r.b)
	return nil
}

// pushFrontControl puts back the unwritten rest of a control frame, ahead of
// the others (it was taken first). It is never refused: it was counted.
func (q *writeQueue) pushFrontControl(r *writeReq) { q.ctrl.pushFront(r) }

// empty reports whether nothing waits and no handle is in flight: a frame
// may then be written at once, bypassing the queue.
func (q *writeQueue) empty() bool {
	return q.ctrl.len() == 0 && q.msgs.len() == 0 && q.inflight == nil
}

// ready reports whether next would take something.
func (q *writeQueue) ready() bool {
	return q.ctrl.len() > 0 || (q.inflight == nil && q.msgs.len() > 0)
}

// start records that r is about to be written outside the queue (which was
// empty): a handle frame becomes the in-flight handle before its bytes
// leave, so that an ACK racing the end of the write finds it.
func (q *writeQueue) start(r *writeReq) {
	if r.h != nil {
		q.inflight = r.h
	}
	q.taken, q.takenFrames = len(r.b), 1
}

// finished records that the batch taken last is written (or failed).
func (q *writeQueue) finished() { q.taken, q.takenFrames = 0, 0 }

// buffered returns the bytes accepted and not yet written: queued, or
// taken and being written.
func (q *writeQueue) buffered() int { return q.bytes + q.taken }

// next appends to batch the frames that may be written now, in order, and
// removes them from the queue: control frames first, then messages up to
// the first handle frame, which goes alone (and becomes in flight). It
// takes at most maxFrames frames and stops adding messages once maxBytes
// are taken. It returns batch unchanged when nothing may be written.
func (q *writeQueue) next(batch []*writeReq, maxFrames, maxBytes int) []*writeReq {
	size := 0
	for q.ctrl.len() > 0 && len(batch) < maxFrames {
		r := q.ctrl.pop()
		batch = append(batch, r)
		size += len(r.b)
	}
	for q.inflight == nil && q.msgs.len() > 0 && len(batch) < maxFrames && size < maxBytes {
		if q.msgs.peek().h != nil && len(batch) > 0 {
			break
		}
		r := q.msgs.pop()
		q.bytes -= len(r.b)
		if r.kind == reqReply {
			q.replies--
		}
		batch = append(batch, r)
		size += len(r.b)
		if r.h != nil {
			q.inflight = r.h
			break
		}
	}
	q.taken, q.takenFrames = size, len(batch)
	return batch
}

// unsent records that the write of r failed: a handle frame that is in
// flight is no longer (the caller finishes its transfer).
func (q *writeQueue) unsent(r *writeReq) {
	if r.h != nil && q.inflight == r.h {
		q.inflight = nil
	}
}

// remove takes r out of the queue (its sender gave up). It reports false if
// r is no longer queued: it is being written or was written.
func (q *writeQueue) remove(r *writeReq) bool {
	if !q.msgs.remove(r) {
		return false
	}
	q.bytes -= len(r.b)
	if r.kind == reqReply {
		q.replies--
	}
	return true
}

// ack applies the peer's answer to the in-flight handle. It returns the
// transfer that is over and its result (h nil when a NACK queued a
// retransmission); err is ErrUnsolicitedAck when no handle was in flight.
// With retry false (the channel is closing) a NACK is the final answer.
func (q *writeQueue) ack(ok, retry bool) (h *outHandle, result, err error) {
	h = q.inflight
	if h == nil {
		return nil, nil, ErrUnsolicitedAck
	}
	q.inflight = nil
	if ok {
		return h, nil, nil
	}
	if retry && h.tries < maxRetransmissions {
		// The original envelope again, never wrapped a second time.
		h.tries++
		r := &writeReq{b: h.frame, h: h}
		q.msgs.pushFront(r)
		q.bytes += len(r.b)
		return nil, nil, nil
	}
	return h, ErrHandleNotReceived, nil
}

// clear empties the queue and returns what was in it, for the caller to
// fail: the queued requests, control frames last, and the in-flight handle.
func (q *writeQueue) clear() (reqs []*writeReq, inflight *outHandle) {
	reqs = append(q.msgs.drain(), q.ctrl.drain()...)
	inflight = q.inflight
	q.inflight = nil
	q.bytes, q.replies = 0, 0
	return reqs, inflight
}

// queued returns the number of frames not yet written (control frames
// aside), counting the batch being written and the in-flight handle's, and
// their bytes (buffered).
func (q *writeQueue) queued() (n, bytes int) {
	n = q.msgs.len() + q.takenFrames
	if q.inflight != nil {
		n++
	}
	return n, q.buffered()
}
