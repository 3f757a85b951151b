package nodeipc

import (
	"sync"
	"sync/atomic"
)

// inbox holds received messages (and per-message errors) until Recv takes
// them, in order. Its bounds, Options.MaxQueuedMessages and
// Options.MaxQueuedBytes, are back-pressure, not limits that refuse: push
// always queues, and the reader asks full before it dispatches each user
// frame and holds the frame, then stops reading, while the queue is full
// (see holding in reader.go). Recv taking a message makes room and wakes a
// reader waiting for it.
type inbox struct {
	mu       sync.Mutex
	q        []item
	head     int
	bytes    int // payload bytes of the queued messages
	max      int // bound on len(q)-head; 0: none
	maxBytes int // bound on bytes; 0: none
	stalled  bool
	isFull   atomic.Bool // fullLocked, as of the last change
	end      error       // terminal error, set by the reader as it exits
	wake     chan struct{}
	room     chan struct{} // signalled when a stalled reader may go on
	files    fdQueue       // received descriptors not yet claimed by a NODE_HANDLE
}

type item struct {
	m   *Message
	err error
}

// size is what an item counts against MaxQueuedBytes: its payload.
func (it item) size() int {
	if it.m != nil {
		return len(it.m.data)
	}
	return 0
}

func (in *inbox) init(max, maxBytes int) {
	in.max, in.maxBytes = max, maxBytes
	in.wake = make(chan struct{}, 1)
	in.room = make(chan struct{}, 1)
}

func (in *inbox) fullLocked() bool {
	return (in.max > 0 && len(in.q)-in.head >= in.max) || (in.maxBytes > 0 && in.bytes >= in.maxBytes)
}

// full reports whether the queue is at a bound: the reader then holds
// further user frames instead of dispatching them. It takes no lock (the
// reader asks for every frame).
func (in *inbox) full() bool { return in.isFull.Load() }

// stall registers the reader as waiting for room, if the queue is still
// full; room is signalled once Recv made some. It reports false (do not
// wait) when there is room already.
func (in *inbox) stall() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.stalled = in.fullLocked()
	return in.stalled
}

// push queues a message or a per-message error. It never refuses one (see
// full).
func (in *inbox) push(it item) {
	in.mu.Lock()
	in.q = append(in.q, it)
	in.bytes += it.size()
	in.isFull.Store(in.fullLocked())
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// finish records the terminal error Recv returns once the queue is empty.
// The first call wins.
func (in *inbox) finish(err error) {
	in.mu.Lock()
	if in.end == nil {
		in.end = err
	}
	in.mu.Unlock()
}

// dropHandles closes the handles of the messages still queued, for Close:
// what nobody received is still the channel's. A message received after
// Close has no handle (Handle returns nil), its HandleType still names the
// type it came as.
func (in *inbox) dropHandles() {
	in.mu.Lock()
	var hs []any
	for i := in.head; i < len(in.q); i++ {
		if m := in.q[i].m; m != nil && m.handle != nil {
			hs = append(hs, m.handle)
			m.handle = nil
		}
	}
	in.mu.Unlock()
	for _, h := range hs {
		closeHandle(h)
	}
}

// len returns the number of items queued.
func (in *inbox) len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.q) - in.head
}

// pending reports whether tryPop would return something.
func (in *inbox) pending() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.head < len(in.q) || in.end != nil
}

// madeRoom signals a stalled reader once the queue is below its bounds.
// in.mu is held.
func (in *inbox) madeRoom() {
	in.isFull.Store(in.fullLocked())
	if in.stalled && !in.fullLocked() {
		in.stalled = false
		select {
		case in.room <- struct{}{}:
		default:
		}
	}
}

// tryPop takes the next queued item. ok is false when nothing is queued
// and the reader has not finished; otherwise err may be the terminal error.
func (in *inbox) tryPop() (m *Message, err error, ok bool) {
	in.mu.Lock()
	if in.head < len(in.q) {
		it := in.q[in.head]
		in.q[in.head] = item{}
		in.head++
		in.bytes -= it.size()
		more := in.head < len(in.q)
		if !more {
			in.q = in.q[:0]
			in.head = 0
		}
		in.madeRoom()
		in.mu.Unlock()
		if more {
			select {
			case in.wake <- struct{}{}:
			default:
			}
		}
		return it.m, it.err, true
	}
	end := in.end
	in.mu.Unlock()
	return nil, end, end != nil
}

// takeMatching removes the queued messages keep selects and returns them
// in order; everything else stays queued in order (Listen).
func (in *inbox) takeMatching(keep func(*Message) bool) []*Message {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []*Message
	j := in.head
	for i := in.head; i < len(in.q); i++ {
		it := in.q[i]
		if it.err == nil && it.m != nil && it.m.handle != nil && keep(it.m) {
			out = append(out, it.m)
			in.bytes -= it.size()
			continue
		}
		in.q[j] = it
		j++
	}
	clear(in.q[j:])
	in.q = in.q[:j]
	in.madeRoom()
	return out
}
