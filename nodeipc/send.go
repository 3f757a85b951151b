package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Send sends v to the peer, like Node's `send(v)`. In JSON mode v is encoded
// as JSON.stringify would encode the equivalent JavaScript value (see the
// package documentation for the mapping); in advanced mode with the V8
// serializer.
//
// Send returns once the whole frame has been handed to the kernel: a nil
// error means the peer will receive the message unless it dies first. While
// a handle sent earlier is waiting for the peer's acknowledgement, Node's
// protocol holds every later message back; Send then waits in that queue.
//
// If ctx ends while the message is still queued, Send returns ctx.Err() and
// the message is not sent. If ctx ends while the frame is being written and
// part of it is already on the wire, the stream can no longer be framed: the
// channel is closed and Send returns an error wrapping ctx.Err().
//
// After the channel is disconnected Send returns the terminal error (see
// Err); after Close it returns net.ErrClosed.
func (c *Channel) Send(ctx context.Context, v any) error {
	b, err := c.codec.appendFrame(c.w.getBuf(), v, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.send(ctx, &outFrame{b: b, pooled: true})
}

// Post queues v to be sent without waiting, like Node's `send(v)` without a
// callback. Messages posted and sent keep their order. Post returns an
// error only if v cannot be encoded or the channel is closed; a later write
// failure ends the channel. It never blocks, so it is the way to reply from
// Options.OnInternalMessage.
func (c *Channel) Post(v any) error {
	b, err := c.codec.appendFrame(c.w.getBuf(), v, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.post(&outFrame{b: b, pooled: true})
}

// postInternal queues an internal message with the given fields.
func (c *Channel) postInternal(fields ...field) error {
	b, err := c.codec.appendInternal(nil, fields)
	if err != nil {
		return err
	}
	// appendInternal has no limit of its own; the frame length bounds the
	// payload (within the few bytes of framing).
	if len(b) > c.opts.MaxMessageSize {
		return fmt.Errorf("%w: %d-byte internal message (limit %d)", ErrMessageTooLarge, len(b), c.opts.MaxMessageSize)
	}
	return c.w.post(&outFrame{b: b})
}

// PostInternal queues an internal message (one whose cmd starts with
// "NODE_") made of the given key/value pairs, in order, like Node's internal
// `send({cmd, ...})`. Values must be strings, numbers, booleans, nil, or
// values the channel's serialization can encode. It never blocks. Packages
// that implement Node protocols above the channel (such as cluster) use it.
func (c *Channel) PostInternal(cmd string, kv ...any) error {
	if !isInternalCmd(cmd) {
		return fmt.Errorf("nodeipc: PostInternal: %q is not an internal command", cmd)
	}
	if len(kv)%2 != 0 {
		return errors.New("nodeipc: PostInternal: odd number of key/value arguments")
	}
	fields := make([]field, 0, 1+len(kv)/2)
	fields = append(fields, field{"cmd", cmd})
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return fmt.Errorf("nodeipc: PostInternal: key %v is not a string", kv[i])
		}
		fields = append(fields, field{k, kv[i+1]})
	}
	return c.postInternal(fields...)
}

// sendAckLike queues a NODE_HANDLE_ACK or NACK; it overtakes queued
// messages, as in Node.
func (c *Channel) sendAck(ok bool) {
	cmd := "NODE_HANDLE_NACK"
	if ok {
		cmd = "NODE_HANDLE_ACK"
	}
	b, err := c.codec.appendInternal(nil, []field{{"cmd", cmd}})
	if err != nil {
		return
	}
	c.w.controlNow(b)
}

// outFrame is one encoded frame waiting to be written.
type outFrame struct {
	b    []byte
	h    *outHandle // set for a frame that carries a descriptor
	done chan error // nil for posted frames
	// pooled: b came from writer.getBuf and nobody else keeps it; it goes
	// back to the free list once written.
	pooled bool
}

// outHandle is a handle transfer waiting for NODE_HANDLE_ACK.
type outHandle struct {
	frame  []byte
	tx     txHandle // the transport's duplicate of the socket; closed when finished
	tries  int      // retransmissions so far
	onAck  func()   // run once after the ACK (e.g. close a moved socket)
	result chan error
}

func (h *outHandle) finish(err error) {
	h.tx.close()
	if err == nil && h.onAck != nil {
		h.onAck()
	}
	h.result <- err
}

// maxRetransmissions is Node's limit for NACKed sockets.
const maxRetransmissions = 3

// writer orders frames on the socket. mu guards the state and is never held
// during a write; the writing flag is the token that serializes writes.
type writer struct {
	c        *Channel
	mu       sync.Mutex
	cond     sync.Cond
	writing  bool
	inflight *outHandle // handle waiting for ACK/NACK
	queue    []*outFrame
	ctrl     [][]byte // ACK/NACK frames; they overtake the queue
	kick     chan struct{}
	err      error // set once the channel ends

	// Owned by the write token holder in flush.
	batch []*outFrame
	iov   [][]byte

	freeMu sync.Mutex
	free   [][]byte // written frame buffers for reuse
}

// Frame buffer reuse: a steady stream of small messages encodes into the
// same few buffers instead of allocating one per message.
const (
	maxFreeBufs   = 64
	maxPooledSize = 64 << 10
)

func (w *writer) getBuf() []byte {
	w.freeMu.Lock()
	defer w.freeMu.Unlock()
	if n := len(w.free); n > 0 {
		b := w.free[n-1]
		w.free[n-1] = nil
		w.free = w.free[:n-1]
		return b
	}
	return nil
}

func (w *writer) putBuf(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledSize {
		return
	}
	w.freeMu.Lock()
	if len(w.free) < maxFreeBufs {
		w.free = append(w.free, b[:0])
	}
	w.freeMu.Unlock()
}

func (w *writer) init(c *Channel) {
	w.c = c
	w.cond.L = &w.mu
	w.kick = make(chan struct{}, 1)
}

func (w *writer) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// closedErr returns the error for a write attempted now, under mu.
func (w *writer) closedErr() error {
	if w.err != nil {
		return w.err
	}
	if w.c.isClosing() {
		return net.ErrClosed
	}
	return nil
}

func (w *writer) send(ctx context.Context, f *outFrame) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	if err := w.closedErr(); err != nil {
		w.mu.Unlock()
		return err
	}
	if !w.writing && w.inflight == nil && len(w.queue) == 0 && len(w.ctrl) == 0 {
		// Fast path: nothing ahead of us; write in the caller's goroutine.
		w.writing = true
		w.mu.Unlock()
		err := w.write(ctx, f)
		if f.pooled {
			w.putBuf(f.b)
		}
		w.mu.Lock()
		w.writing = false
		more := len(w.queue) > 0 || len(w.ctrl) > 0
		w.cond.Broadcast()
		w.mu.Unlock()
		if more {
			w.wake()
		}
		return err
	}
	f.done = make(chan error, 1)
	w.queue = append(w.queue, f)
	w.mu.Unlock()
	w.wake()
	select {
	case err := <-f.done:
		return err
	case <-ctx.Done():
		w.mu.Lock()
		for i, q := range w.queue {
			if q == f {
				w.queue = append(w.queue[:i], w.queue[i+1:]...)
				w.mu.Unlock()
				return ctx.Err()
			}
		}
		w.mu.Unlock()
		return <-f.done // already being written
	}
}

func (w *writer) post(f *outFrame) error {
	w.mu.Lock()
	if err := w.closedErr(); err != nil {
		w.mu.Unlock()
		return err
	}
	w.queue = append(w.queue, f)
	w.mu.Unlock()
	w.wake()
	return nil
}

// maxPendingControl bounds the ACK/NACK frames waiting to be written. A
// conforming peer has one NODE_HANDLE in flight at a time, so a handful at
// most are ever pending; thousands mean the peer sends handle messages
// without reading our answers, and the queue would grow with its input.
const maxPendingControl = 1024

func (w *writer) control(b []byte) {
	w.mu.Lock()
	n := len(w.ctrl)
	if w.err == nil && n < maxPendingControl {
		w.ctrl = append(w.ctrl, b)
	}
	failed := w.err == nil && n >= maxPendingControl
	w.mu.Unlock()
	if failed {
		w.c.fail(fmt.Errorf("%w: %d handle acknowledgements unwritten: the peer does not read", ErrQueueFull, n))
		return
	}
	w.wake()
}

// controlNow is control, but when nothing is being written or waiting it
// writes b at once from the calling goroutine, without ever blocking: the
// peer's next handle waits for this ACK, so it should not wait for the
// flush goroutine to be scheduled. Whatever the socket does not take now is
// left to the flush goroutine, ahead of everything else.
func (w *writer) controlNow(b []byte) {
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return
	}
	if w.writing || len(w.ctrl) > 0 {
		w.mu.Unlock()
		w.control(b) // queue it, within the bound
		return
	}
	w.writing = true
	w.mu.Unlock()
	n := w.c.t.tryWrite(b)
	w.mu.Lock()
	w.writing = false
	if n < len(b) {
		w.ctrl = append([][]byte{b[n:]}, w.ctrl...)
	}
	more := len(w.ctrl) > 0 || len(w.queue) > 0
	w.cond.Broadcast()
	w.mu.Unlock()
	if more {
		w.wake()
	}
}

// flushLoop writes queued frames whenever the write token is free.
func (w *writer) flushLoop() {
	defer w.c.wg.Done()
	for {
		select {
		case <-w.kick:
		case <-w.c.done:
			return
		}
		w.flush()
	}
}

// Coalescing limits: queued frames without a handle are written together,
// with one writev, up to these bounds.
const (
	maxBatchFrames = 1024 // IOV_MAX
	maxBatchBytes  = 1 << 20
)

func (w *writer) flush() {
	w.mu.Lock()
	if w.writing {
		w.mu.Unlock()
		return // the current writer wakes us when done
	}
	for w.err == nil {
		// Take the frames that can go out now, in order: control frames
		// first (they overtake the queue), then queued frames until a
		// handle frame. A handle frame goes alone, so that its descriptor
		// rides with its own first byte.
		batch := w.batch[:0]
		size := 0
		for len(w.ctrl) > 0 && len(batch) < maxBatchFrames {
			batch = append(batch, &outFrame{b: w.ctrl[0]})
			size += len(w.ctrl[0])
			w.ctrl = w.ctrl[1:]
		}
		for w.inflight == nil && len(w.queue) > 0 && len(batch) < maxBatchFrames && size < maxBatchBytes {
			f := w.queue[0]
			if f.h != nil && len(batch) > 0 {
				break
			}
			w.queue[0] = nil
			w.queue = w.queue[1:]
			batch = append(batch, f)
			size += len(f.b)
			if f.h != nil {
				break
			}
		}
		if len(batch) == 0 {
			break
		}
		w.writing = true
		w.mu.Unlock()
		var err error
		if len(batch) == 1 {
			err = w.write(context.Background(), batch[0])
		} else {
			err = w.writeBatch(batch)
		}
		w.mu.Lock()
		w.writing = false
		for i, f := range batch {
			if f.pooled {
				w.putBuf(f.b)
			}
			if f.done != nil {
				f.done <- err
			}
			batch[i] = nil
		}
		w.batch = batch[:0]
	}
	w.cond.Broadcast()
	w.mu.Unlock()
}

// writeBatch writes frames without handles with as few system calls as
// possible. Like write, a failure ends the channel. The caller holds the
// write token.
func (w *writer) writeBatch(fs []*outFrame) error {
	iov := w.iov[:0]
	for _, f := range fs {
		iov = append(iov, f.b)
	}
	err := w.c.t.writev(iov) // changes the elements of iov
	clear(iov)
	w.iov = iov[:0]
	if err == nil {
		return nil
	}
	if errors.Is(err, net.ErrClosed) {
		w.mu.Lock()
		cerr := w.closedErr()
		w.mu.Unlock()
		if cerr != nil {
			return cerr
		}
	}
	err = fmt.Errorf("%w: write: %w", ErrDisconnected, err)
	w.c.fail(err)
	return err
}

// write writes one frame while holding the write token. A handle frame
// becomes the in-flight handle. A write that fails after putting part of the
// frame on the wire ends the channel.
func (w *writer) write(ctx context.Context, f *outFrame) error {
	c := w.c
	if f.h != nil {
		// Become in flight before the bytes leave, so that an ACK racing
		// the end of the write finds us.
		w.mu.Lock()
		w.inflight = f.h
		w.mu.Unlock()
	}
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		stop = context.AfterFunc(ctx, func() {
			c.t.interruptWrite()
			close(fired)
		})
	}
	var n int
	var err error
	if f.h != nil {
		n, err = c.t.writeHandle(f.b, f.h.tx)
	} else {
		n, err = c.t.write(f.b)
	}
	if stop != nil && !stop() {
		<-fired
		c.t.resumeWrite()
		if err != nil {
			err = fmt.Errorf("nodeipc: send: %w", ctx.Err())
		}
	}
	if err == nil {
		return nil
	}
	if f.h != nil {
		w.mu.Lock()
		if w.inflight == f.h {
			w.inflight = nil
		}
		w.mu.Unlock()
	}
	if n == 0 && ctx.Err() != nil {
		return ctx.Err() // nothing written: the channel is intact
	}
	if errors.Is(err, net.ErrClosed) {
		w.mu.Lock()
		cerr := w.closedErr()
		w.mu.Unlock()
		if cerr != nil {
			return cerr
		}
	}
	err = fmt.Errorf("%w: write: %w", ErrDisconnected, err)
	c.fail(err)
	return err
}

// ack records the peer's answer to the in-flight handle.
func (w *writer) ack(ok bool) error {
	w.mu.Lock()
	h := w.inflight
	if h == nil {
		w.mu.Unlock()
		return ErrUnsolicitedAck
	}
	w.inflight = nil
	var done error
	finished := true
	if !ok {
		if h.tries < maxRetransmissions && w.err == nil {
			h.tries++
			w.queue = append([]*outFrame{{b: h.frame, h: h}}, w.queue...)
			finished = false
		} else {
			done = ErrHandleNotReceived
		}
	}
	w.cond.Broadcast()
	w.mu.Unlock()
	if finished {
		h.finish(done)
	}
	w.wake()
	return nil
}

// abort fails everything queued with err; later writes fail with it too.
func (w *writer) abort(err error) {
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return
	}
	w.err = err
	queue, inflight := w.queue, w.inflight
	w.queue, w.inflight, w.ctrl = nil, nil, nil
	w.cond.Broadcast()
	w.mu.Unlock()
	for _, f := range queue {
		if f.h != nil && f.h != inflight {
			f.h.finish(err)
		}
		if f.done != nil {
			f.done <- err
		}
	}
	if inflight != nil {
		inflight.finish(err)
	}
}

// drain waits until nothing is queued or in flight, the channel fails, or
// timeout passes. It reports how many messages were left behind.
func (w *writer) drain(timeout time.Duration) error {
	timedOut := false
	t := time.AfterFunc(timeout, func() {
		w.mu.Lock()
		timedOut = true
		w.cond.Broadcast()
		w.mu.Unlock()
	})
	defer t.Stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && !timedOut && (w.writing || w.inflight != nil || len(w.queue) > 0 || len(w.ctrl) > 0) {
		w.wake()
		w.cond.Wait()
	}
	if w.err != nil || (!timedOut) {
		return nil
	}
	n := len(w.queue)
	if w.inflight != nil {
		n++
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("nodeipc: close: %d queued messages not written: the peer did not acknowledge a handle within %v", n, timeout)
}

// SendRaw sends a message that is already encoded in the channel's
// serialization: JSON text (without the trailing newline) in JSON mode, a
// V8 payload (serializer header and value, without the length prefix) in
// advanced mode, such as Message.Raw returns. The payload is checked, so
// that the peer never receives a frame it cannot parse. Otherwise SendRaw
// behaves as Send. The caller may reuse p after SendRaw returns.
func (c *Channel) SendRaw(ctx context.Context, p []byte) error {
	b, err := c.codec.appendRaw(c.w.getBuf(), p, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.send(ctx, &outFrame{b: b, pooled: true})
}
