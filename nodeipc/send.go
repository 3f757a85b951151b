package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
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
// Err); after Close or Shutdown it returns an error wrapping net.ErrClosed.
func (c *Channel) Send(ctx context.Context, v any) error {
	b, err := c.codec.appendFrame(c.w.getBuf(), v, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.send(ctx, &writeReq{b: b, pooled: true})
}

// Post queues v to be sent without waiting, like Node's `send(v)` without a
// callback. Messages posted and sent keep their order. It never blocks, so
// it is the way to reply from Options.OnInternalMessage.
//
// Post returns an error if v cannot be encoded, the channel is closed, or
// the queue is full: when Buffered would pass Options.MaxBufferedBytes
// (DefaultMaxBufferedBytes unless set), Post returns an error wrapping
// ErrPostWouldBlock, queues nothing and leaves the channel open (a message
// is always accepted while nothing else is queued). A nil error means the
// message is queued; a later write failure ends the channel. To see back
// pressure before that, compare Buffered with HighWaterMark, as Node's
// send() does for its return value.
//
// A receive loop's replies are coalesced: a message posted after Recv
// returned a message, before the next Recv call that finds nothing queued,
// is written by that Recv, with one write for every message posted
// meanwhile, just before it reads or waits (or, if no Recv comes, within a
// few milliseconds, when the channel's background reader takes over). So a loop that answers a burst of requests
// with Post costs the peer one read for the burst, and no goroutine
// hand-off per message. Post from any other place is written at once by
// the channel's flush goroutine.
func (c *Channel) Post(v any) error {
	b, err := c.codec.appendFrame(c.w.getBuf(), v, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.post(&writeReq{b: b, pooled: true, kind: reqPosted})
}

// PostRaw is Post for a message that is already encoded, as SendRaw is for
// Send: p is checked as SendRaw checks it and copied, so the caller may
// reuse p once PostRaw returns. It never blocks; errors and coalescing are
// as for Post.
func (c *Channel) PostRaw(p []byte) error {
	b, err := c.codec.appendRaw(c.w.getBuf(), p, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.post(&writeReq{b: b, pooled: true, kind: reqPosted})
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
	return c.w.post(&writeReq{b: b, kind: reqPosted})
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

// postReply queues a socket-list reply (NODE_SOCKET_COUNT,
// NODE_SOCKET_ALL_CLOSED). Replies keep their place among the other
// messages, as in Node, but have their own bound: a peer that keeps asking
// without reading the answers ends the channel with ErrOverrun.
func (c *Channel) postReply(fields ...field) {
	b, err := c.codec.appendInternal(nil, fields)
	if err != nil {
		return
	}
	c.w.post(&writeReq{b: b, kind: reqReply})
}

// sendAck queues a NODE_HANDLE_ACK or NACK; it overtakes queued messages,
// as in Node, and is written at once when the socket is free.
func (c *Channel) sendAck(ok bool) {
	b := c.w.nack
	if ok {
		b = c.w.ackFrame
	}
	if c.opts.Trace != nil {
		c.traceAck(b)
	}
	c.w.control(b)
}

// Buffered returns how many bytes of messages are waiting to be written:
// queued by Post, PostInternal or PostHandle, by Send calls waiting in the
// queue, or being written now. It is what Node's send() compares with
// HighWaterMark to return false ("stop sending"); a producer that posts in
// a loop can do the same and switch to Send, which waits, or pause. It is
// safe to call from any goroutine.
func (c *Channel) Buffered() int {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	return c.w.q.buffered()
}

// HighWaterMark is Node's back-pressure threshold for IPC channels: its
// send() returns false once this many bytes are waiting to be written
// (lib/internal/child_process.js: writeQueueSize < 128 KiB), or when the
// message is not the first one queued behind a handle awaiting its ACK.
// Compare Buffered with it.
const HighWaterMark = 128 << 10

// writer writes frames to the socket in the order its queue (writeq.go)
// decides. mu guards the state and is never held during a write; the
// writing flag is the token that serializes writes: whoever holds it
// writes, with writeOut, and nobody else touches the socket's write side.
type writer struct {
	c       *Channel
	mu      sync.Mutex
	cond    sync.Cond
	writing bool
	q       writeQueue
	kick    chan struct{}
	err     error // set once the channel ends

	ackFrame, nack []byte // encoded once

	// Owned by the write token holder: the frames being written (cleared
	// before the token is released) and the writev vector.
	one [1]*writeReq
	iov [][]byte
	// Owned by the write token holder in flush (the flush goroutine, or a
	// Recv writing held posts).
	batch []*writeReq

	// Posts held for a receive loop (see Post): turn is set while the
	// loop is between a Recv that returned a message and the next Recv
	// that finds nothing queued; held (under mu) says posted frames wait
	// for that Recv, or for the background reader if no Recv comes.
	turn atomic.Bool
	held bool

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
	w.q.maxBytes = c.opts.MaxBufferedBytes
	w.ackFrame, _ = c.codec.appendInternal(nil, []field{{"cmd", "NODE_HANDLE_ACK"}})
	w.nack, _ = c.codec.appendInternal(nil, []field{{"cmd", "NODE_HANDLE_NACK"}})
}

// maxHeldBytes bounds what a receive loop's replies may hold back (see
// Post): as much as the peer reads at once (libuv reads 64 KiB). A loop
// that keeps finding messages queued (a pipelined peer) would otherwise
// hold every reply until the queue ran dry, and the peer, waiting for
// replies, would stop sending.
const maxHeldBytes = 64 << 10

// holdPosts is called by Recv as it returns a message: until the next Recv
// finds nothing queued, Post holds its frames for it (see Post).
func (w *writer) holdPosts() { w.turn.Store(true) }

// flushHeld is called by Recv when nothing is queued, before it reads or
// waits: the turn ends, and the frames posted during it are written now,
// in the caller's goroutine, with one writev (the write waits while the
// peer does not read). A burst of replies to a burst of requests then
// costs one write here and one read at the peer, and no goroutine
// hand-off.
func (w *writer) flushHeld() {
	if w.endTurn() {
		w.flush()
	}
}

// releaseHeld is called by the background reader each time it takes the
// read side over, after it marked itself reading (readGate.bg), which is
// what makes Post stop holding: no Recv read for recvHold, so the receive
// loop that the held frames were waiting for is busy elsewhere or gone.
// The turn ends and the flush goroutine writes them.
func (w *writer) releaseHeld() {
	if w.endTurn() {
		w.wake()
	}
}

// endTurn ends a receive loop's turn, if one is on, and reports whether
// frames were held during it (they are no longer held: the caller writes
// them or wakes the flush goroutine).
func (w *writer) endTurn() bool {
	if !w.turn.Load() {
		return false
	}
	w.turn.Store(false)
	w.mu.Lock()
	held := w.held
	w.held = false
	w.mu.Unlock()
	return held
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
		return errClosed
	}
	return nil
}

// reject disposes of a request that will never be written: its buffer goes
// back to the free list and its handle transfer, if any, finishes with err.
func (w *writer) reject(r *writeReq, err error) {
	if r.pooled {
		w.putBuf(r.b)
	}
	if r.h != nil {
		r.h.finish(err)
	}
}

// send writes r and returns once it is written, or fails. When nothing is
// ahead of it, it writes in the caller's goroutine. When it returns an
// error, r's handle transfer (if any) is finished with it.
func (w *writer) send(ctx context.Context, r *writeReq) error {
	if err := ctx.Err(); err != nil {
		w.reject(r, err)
		return err
	}
	w.mu.Lock()
	if err := w.closedErr(); err != nil {
		w.mu.Unlock()
		w.reject(r, err)
		return err
	}
	if !w.writing && w.q.empty() {
		// Fast path: nothing ahead of us; write in the caller's goroutine.
		w.q.start(r)
		w.one[0] = r
		w.writing = true
		w.mu.Unlock()
		return w.writeOut(ctx, w.one[:], false)
	}
	r.done = make(chan error, 1)
	w.q.push(r) // never refused: the caller waits, which bounds it
	w.mu.Unlock()
	w.wake()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		w.mu.Lock()
		removed := w.q.remove(r)
		w.mu.Unlock()
		if removed {
			w.reject(r, ctx.Err())
			return ctx.Err()
		}
		return <-r.done // already being written
	}
}

// post queues r without waiting. A refused request is disposed of (a
// handle transfer finished without running its callback). A socket-list
// reply past its bound ends the channel.
func (w *writer) post(r *writeReq) error {
	w.mu.Lock()
	err := w.closedErr()
	if err == nil {
		err = w.q.push(r)
	}
	hold := err == nil && r.kind == reqPosted && r.h == nil && w.turn.Load() && !w.c.rd.bg.Load() &&
		w.q.buffered() < maxHeldBytes
	if hold {
		// A receive loop is between two Recv calls, reading the socket
		// itself: its next Recv writes this frame with the others posted
		// meanwhile (flushHeld). Should it not come back, the background
		// reader takes the read side over within recvHold and has the
		// flush goroutine write them (releaseHeld). Past maxHeldBytes the
		// flush goroutine writes what is queued at once.
		w.held = true
	}
	w.mu.Unlock()
	if hold {
		return nil
	}
	if err != nil {
		if r.h != nil {
			r.h.cb = nil // the caller gets err instead
		}
		w.reject(r, err)
		if r.kind == reqReply && errors.Is(err, ErrOverrun) {
			w.c.fail(err)
		}
		return err
	}
	w.wake()
	return nil
}

// control queues an ACK/NACK frame (it overtakes queued messages) and,
// when the socket is free, writes it at once from the calling goroutine
// (the reader) without ever blocking: the peer's next handle waits for this
// answer, so it should not wait for the flush goroutine to be scheduled.
// Whatever the socket does not take now is left to the flush goroutine,
// ahead of everything else. Past maxPendingControl unwritten answers the
// channel ends with ErrOverrun.
func (w *writer) control(b []byte) {
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return
	}
	if err := w.q.push(&writeReq{b: b, kind: reqControl}); err != nil {
		w.mu.Unlock()
		w.c.fail(err)
		return
	}
	if w.writing {
		w.mu.Unlock()
		return // the token holder wakes the flush goroutine when done
	}
	batch := w.q.next(w.one[:0], 1, 0) // the oldest control frame
	w.writing = true
	w.mu.Unlock()
	w.writeOut(context.Background(), batch, true)
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

// flush writes what the queue lets out until it lets nothing out or
// somebody else holds the token (who then wakes us when done).
func (w *writer) flush() {
	w.mu.Lock()
	for w.err == nil && !w.writing {
		batch := w.q.next(w.batch[:0], maxBatchFrames, maxBatchBytes)
		if len(batch) == 0 {
			break
		}
		w.batch = batch
		w.writing = true
		w.mu.Unlock()
		w.writeOut(context.Background(), batch, false)
		w.mu.Lock()
	}
	w.mu.Unlock()
}

// writeOut is the one write routine. The caller holds the write token
// (w.writing, set under mu) for batch, which it took from the queue or, on the fast path,
// wrote past the empty queue. writeOut writes the frames, maps a failure
// to the channel's state, and then, under mu: releases the token, puts an
// unwritten control remainder back (try), completes every request, and
// wakes Close and the flush goroutine. A handle frame that could not be
// written finishes its transfer.
//
// With try it writes what the socket takes without waiting (batch is one
// control frame) and leaves the rest, and any error, to the next write.
func (w *writer) writeOut(ctx context.Context, batch []*writeReq, try bool) error {
	var n int
	var err error
	if try {
		n = w.c.t.tryWrite(batch[0].b)
	} else {
		if w.c.opts.Trace != nil {
			w.c.traceOut(batch)
		}
		n, err = w.io(ctx, batch)
		if err != nil {
			err = w.writeFailed(ctx, n, err)
		}
	}
	var failed *outHandle
	w.mu.Lock()
	w.writing = false
	w.q.finished()
	if try && n < len(batch[0].b) {
		r := batch[0]
		r.b = r.b[n:]
		if w.err == nil {
			w.q.pushFrontControl(r)
		}
	}
	for i, r := range batch {
		if err != nil && r.h != nil {
			w.q.unsent(r)
			failed = r.h
		}
		if r.pooled {
			w.putBuf(r.b)
		}
		if r.done != nil {
			r.done <- err
		}
		batch[i] = nil
	}
	more := w.err == nil && w.q.ready()
	w.cond.Broadcast()
	w.mu.Unlock()
	if failed != nil {
		failed.finish(err)
	}
	if more {
		w.wake()
	}
	return err
}

// io writes batch: a lone frame with one write (a handle frame with
// sendmsg, its descriptor riding on the first byte), several with one
// writev. It returns how many bytes were written. If ctx ends during the
// write, the write is interrupted.
func (w *writer) io(ctx context.Context, batch []*writeReq) (int, error) {
	c := w.c
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
	switch {
	case len(batch) > 1:
		iov := w.iov[:0]
		for _, r := range batch {
			iov = append(iov, r.b)
		}
		err = c.t.writev(iov) // changes the elements of iov
		if err != nil {
			n = -1 // unknown: treat as partly written
		}
		clear(iov)
		w.iov = iov[:0]
	case batch[0].h != nil:
		n, err = c.t.writeHandle(batch[0].b, batch[0].h.tx)
	default:
		n, err = c.t.write(batch[0].b)
	}
	if stop != nil && !stop() {
		<-fired
		c.t.resumeWrite()
		if err != nil {
			err = fmt.Errorf("nodeipc: send: %w", ctx.Err())
		}
	}
	return n, err
}

// writeFailed maps a failed write of n bytes to the error its senders get,
// and ends the channel unless nothing was written because ctx ended (the
// stream is then still framed) or the channel already ended.
func (w *writer) writeFailed(ctx context.Context, n int, err error) error {
	if n == 0 && ctx.Err() != nil {
		return ctx.Err()
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

// ack records the peer's answer to the in-flight handle.
func (w *writer) ack(ok bool) error {
	w.mu.Lock()
	h, result, err := w.q.ack(ok, w.err == nil)
	more := w.q.ready()
	w.cond.Broadcast()
	w.mu.Unlock()
	if err != nil {
		return err
	}
	if h != nil {
		h.finish(result)
	}
	if more {
		w.wake()
	}
	return nil
}

// abort fails everything queued with err; later writes fail with it too.
// Frames being written complete when their write returns.
func (w *writer) abort(err error) {
	w.mu.Lock()
	if w.err != nil {
		w.mu.Unlock()
		return
	}
	w.err = err
	reqs, inflight := w.q.clear()
	w.cond.Broadcast()
	w.mu.Unlock()
	for _, r := range reqs {
		w.reject(r, err)
		if r.done != nil {
			r.done <- err
		}
	}
	if inflight != nil {
		inflight.finish(err)
	}
}

// drain waits until nothing is queued, being written or in flight, the
// channel fails, or ctx ends. It reports what was left behind, with ctx's
// error and the limit (what the caller set: "within 10s") in the text.
func (w *writer) drain(ctx context.Context, limit string) error {
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		w.cond.Broadcast()
		w.mu.Unlock()
	})
	defer stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && ctx.Err() == nil && (w.writing || !w.q.empty()) {
		w.wake()
		w.cond.Wait()
	}
	if w.err != nil || ctx.Err() == nil {
		return nil
	}
	n, bytes := w.q.queued()
	if n == 0 {
		return nil
	}
	if w.q.inflight != nil {
		return fmt.Errorf("%d queued messages not written: the peer did not acknowledge a handle %s: %w", n, limit, ctx.Err())
	}
	return fmt.Errorf("%d messages (%d bytes) not written: the peer did not read them %s: %w", n, bytes, limit, ctx.Err())
}

// SendRaw sends a message that is already encoded in the channel's
// serialization: JSON text (without the trailing newline) in JSON mode, a
// V8 payload (serializer header and value, without the length prefix) in
// advanced mode, such as Message.Raw returns. The payload is checked, so
// that the peer never receives a frame it cannot parse; a V8 payload in
// format 16 (what a Deno peer writes) is refused with ErrUnsupportedValue
// until the peer has sent one itself, as Node 26 and earlier cannot read
// it (decode it and Send the value to forward it to such a peer).
// Otherwise SendRaw
// behaves as Send. The caller may reuse p after SendRaw returns.
func (c *Channel) SendRaw(ctx context.Context, p []byte) error {
	b, err := c.codec.appendRaw(c.w.getBuf(), p, c.opts.MaxMessageSize)
	if err != nil {
		c.w.putBuf(b)
		return err
	}
	return c.w.send(ctx, &writeReq{b: b, pooled: true})
}
