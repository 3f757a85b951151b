package nodeipc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The read side of the socket (the read buffer, the framing state, the right
// to call recvmsg) belongs to whoever holds the read token: the background
// reader goroutine, or a Recv that found nothing queued. A receiver that
// reads the socket itself gets its message without a goroutine hand-off,
// which on a loaded machine costs tens of microseconds (a thread wake-up
// through the scheduler). The background reader keeps internal messages
// (handle ACKs, socket-list queries) and disconnects flowing when nobody is
// receiving: it takes the read side back once no Recv has read for
// recvHold, and a Recv that finds it parked on the netpoller interrupts it
// with a read deadline in the past.
//
// Whoever reads dispatches: internal messages are handled, user messages
// queued in order, by the goroutine that read them.
type readGate struct {
	tok     chan struct{} // holds a value while the read side is free
	resume  chan struct{} // wakes the background reader
	hold    *time.Timer   // fires resume recvHold after the last Recv read
	bg      atomic.Bool   // the background reader is in recvmsg
	kicked  atomic.Bool   // a read deadline was set to interrupt a reader
	readers atomic.Int32  // Recv calls holding or waiting for the read side
	kickMu  sync.Mutex    // orders kicks with their clearing
	endOnce sync.Once

	// Owned by the token holder, with the transport's read side.
	buf     []byte
	start   int     // start of the bytes not yet dispatched
	held    int     // of them, the first held bytes are whole frames held (holding)
	scanned int     // bytes of the frame in progress (at start+held) already scanned
	last    framing // what the last read amounted to, for the next one

	heldFrames atomic.Int64 // frames in the held bytes (read by Queued)
}

// # Holding: the receive queue's back-pressure
//
// The reader asks, before it dispatches each frame, whether the receive
// queue is full (inbox.full). While it is, the frame is held: it stays in
// the read buffer, unparsed, in order, and so does every later frame until
// the held ones are dispatched. The reader goes on reading while the held
// bytes (with the frame in progress) are under HoldBytes, reading no more
// than that, and acts at once on the frames it reads there
// that answer this end's own requests (isAnswer: NODE_HANDLE_ACK and NACK,
// NODE_SOCKET_COUNT, NODE_SOCKET_ALL_CLOSED), which are taken out of the
// buffer; past HoldBytes it stops reading (errStalled) until Recv makes
// room. Whoever holds the read token next dispatches the held frames first
// (dispatchHeld), as the queue has room, and reads only once none is held.
//
// Why the answers go on: this end may wait for one while its application
// does not receive (a Send queued behind a handle waiting for its ACK; a
// SocketCount), and the answer may sit behind user messages in the socket.
// Acting on it changes nothing the application can observe: it reorders
// only the answer against messages not yet returned by Recv, and Node's
// sender holds every message after a handle until its ACK, so no handle
// message and nothing after one is ever read past. Everything else keeps
// its order: a user message, a NODE_HANDLE (whose ACK is thus delayed,
// which stops a Node peer from sending more handles), the peer's
// socket-list queries, the messages for OnInternalMessage.
//
// What it costs: the queue's bounds, plus in the read buffer the rest of
// the read that filled the queue (at most readSize) and HoldBytes, or one
// frame in progress when it is larger (it completes once the queue has
// room). What it does not solve: an answer more than
// HoldBytes behind the point where the queue filled is read only once the
// application receives; until then the request waits for its own bound
// (SendHandle's and SocketCount's ctx, Close's CloseTimeout, Shutdown's
// ctx).
//
// When the channel ends other than by this end's Close (EOF, a read error,
// a frame that ends it), the held frames are queued first, whatever the
// bounds, so that Recv returns every message read before the end.

// HoldBytes is how much more a channel reads, and holds in order, while its
// receive queue is full (see Options.MaxQueuedMessages): room for the
// answers to its own requests that arrive behind the messages the
// application has not received yet.
const HoldBytes = 4 << 20

// errStalled is readChunk's report that the queue is full and the held
// bytes at HoldBytes: the reader waits for Recv to make room. It never
// leaves the package.
var errStalled = errors.New("nodeipc: receive queue full")

// recvHold is how long the read side stays with receivers after a Recv
// read: a receiver that calls Recv again within it (a receive loop) reads
// directly; otherwise the background reader takes over.
const recvHold = 2 * time.Millisecond

const (
	readSize    = 64 << 10 // what one recvmsg asks for, as libuv does
	keepBufSize = 1 << 20  // larger buffers are given away, not kept
)

// acquire takes the read token, waiting for it.
func (g *readGate) acquire() { <-g.tok }

// tryAcquire takes the read token if it is free.
func (g *readGate) tryAcquire() bool {
	select {
	case <-g.tok:
		return true
	default:
		return false
	}
}

// acquireUnless takes the read token, unless a or b (either may be nil) is
// ready or ctx ends first; it reports whether it took the token.
func (g *readGate) acquireUnless(ctx context.Context, a, b <-chan struct{}) bool {
	select {
	case <-g.tok:
		return true
	case <-a:
	case <-b:
	case <-ctx.Done():
	}
	return false
}

// release gives the read token back.
func (g *readGate) release() { g.tok <- struct{}{} }

func (g *readGate) init(c *Channel) {
	g.tok = make(chan struct{}, 1)
	g.tok <- struct{}{}
	g.resume = make(chan struct{}, 1)
	g.resume <- struct{}{}
	g.hold = time.AfterFunc(time.Hour, func() {
		select {
		case g.resume <- struct{}{}:
		default:
		}
	})
	g.hold.Stop()
	g.buf = make([]byte, 0, readSize)
}

// kick interrupts the background reader if it is parked in recvmsg.
func (g *readGate) kick(c *Channel) {
	if !g.bg.Load() {
		return
	}
	g.kickMu.Lock()
	g.kicked.Store(true)
	c.t.interruptRead()
	g.kickMu.Unlock()
}

// unkick clears a kick's deadline before the token holder reads.
func (g *readGate) unkick(c *Channel) {
	if !g.kicked.Load() {
		return
	}
	g.kickMu.Lock()
	g.kicked.Store(false)
	c.t.resumeRead()
	g.kickMu.Unlock()
}

// readLoop is the background reader. It reads while no Recv is reading and
// ends the channel when the socket fails.
func (c *Channel) readLoop() {
	defer c.wg.Done()
	g := &c.rd
	for {
		select {
		case <-g.resume:
		case <-c.done:
			c.endReadLocked() // ended by a write error or Close
			return
		}
		for g.readers.Load() == 0 {
			if !g.acquireUnless(context.Background(), c.done, nil) {
				c.endReadLocked()
				return
			}
			if g.readers.Load() != 0 {
				g.release()
				g.hold.Reset(recvHold) // in case that reader leaves without reading
				break
			}
			g.unkick(c)
			g.bg.Store(true)
			c.w.releaseHeld() // after bg is set: Post holds no more (send.go)
			err := c.readChunk()
			g.bg.Store(false)
			if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				// Kicked by a Recv: hand over. That Recv may still get its
				// message from the queue and never read, so come back after
				// recvHold unless a reader re-arms the timer first.
				g.release()
				g.hold.Reset(recvHold)
				break
			}
			if err == errStalled {
				// Wait for Recv to make room (or to read itself).
				stall := c.in.stall()
				g.release()
				if stall {
					select {
					case <-c.in.room:
					case <-c.done:
					}
				}
				continue
			}
			if err != nil {
				c.endRead(err)
				g.release()
				return
			}
			g.release()
		}
	}
}

// endReadLocked ends the read side after the channel ended otherwise,
// with the read token: the held frames are queued first (unless this end
// closed the channel).
func (c *Channel) endReadLocked() {
	g := &c.rd
	g.acquire()
	c.endRead(nil)
	g.release()
}

// readDirect is Recv reading the socket itself. The caller took the token;
// readDirect gives it back. It returns ctx's error if ctx ended, and nil
// otherwise (including when the channel ended: the caller finds the
// terminal error in the inbox).
func (c *Channel) readDirect(ctx context.Context) error {
	g := &c.rd
	g.readers.Add(1)
	defer func() {
		g.readers.Add(-1)
		g.hold.Reset(recvHold) // before the token: Close stops it after
		g.release()
	}()
	if err := c.dispatchHeld(); err != nil {
		c.endRead(err)
		return nil
	}
	if c.in.pending() {
		// The previous holder queued something before it let go of the
		// read side, or held frames were: return it rather than wait for
		// more.
		return nil
	}
	if c.Err() != nil {
		c.endRead(nil)
		return nil
	}
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		stop = context.AfterFunc(ctx, func() {
			g.kickMu.Lock()
			g.kicked.Store(true)
			c.t.interruptRead()
			g.kickMu.Unlock()
			close(fired)
		})
	}
	for {
		g.unkick(c)
		err := c.readChunk()
		if err == errStalled {
			err = nil // the queue has what this Recv wants
		}
		if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
			if ctx.Err() != nil {
				if stop != nil && !stop() {
					<-fired
				}
				g.unkick(c)
				return ctx.Err()
			}
			continue // a stale kick
		}
		if stop != nil && !stop() {
			<-fired
		}
		if err != nil {
			c.endRead(err)
		}
		return nil
	}
}

// endRead ends the channel after the read side failed with err, or, with
// a nil err, records the end of a channel that ended otherwise. Only the
// first call counts.
//
// The caller holds the read token: unless this end closed the channel, the
// frames still held are queued first, whatever the bounds (a frame that
// cannot be dispatched any more is dropped: the channel is over).
func (c *Channel) endRead(err error) {
	c.rd.endOnce.Do(func() {
		if !c.isClosing() {
			c.flushHeld()
		}
		c.endReadOnce(err)
	})
}

func (c *Channel) endReadOnce(err error) {
	if err == nil {
		c.mu.Lock()
		err = c.err
		c.mu.Unlock()
		if err == nil {
			err = ErrDisconnected
		}
	}
	if c.isClosing() || errors.Is(err, net.ErrClosed) {
		c.mu.Lock()
		if c.err == nil && c.isClosing() {
			err = errClosed
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	if c.err != nil {
		err = c.err
	}
	c.mu.Unlock()
	c.in.finish(err)
	c.sl.disconnected()
	c.fail(err)
}

// readChunk dispatches the held frames the queue has room for and then, if
// none is left held and the hold is not at its bound, does one recvmsg and
// dispatches (or holds) every complete frame. The caller holds the read
// token. It returns errStalled when it must wait for room; any other error
// is terminal, except one wrapping os.ErrDeadlineExceeded (a kick), after
// which reading can go on.
func (c *Channel) readChunk() error {
	g := &c.rd
	if err := c.dispatchHeld(); err != nil {
		return err
	}
	// While holding, read no more than the hold has room for.
	room := -1
	if g.held > 0 || c.in.full() {
		room = c.opts.holdBytes - (len(g.buf) - g.start)
		if room <= 0 {
			return errStalled
		}
	}
	buf, start := g.buf, g.start
	limit := c.opts.MaxMessageSize
	defer func() { g.buf, g.start = buf, start }()
	// Make room for one read.
	if cap(buf)-len(buf) < readSize/4 {
		pending := len(buf) - start
		need := pending + readSize
		if start > 0 && cap(buf) >= need {
			copy(buf, buf[start:])
			buf = buf[:pending]
		} else {
			nb := make([]byte, pending, max(need, 2*cap(buf)))
			copy(nb, buf[start:])
			buf = nb
		}
		start = 0
	}
	last := g.last
	g.last = framingUnknown
	end := cap(buf)
	if room > 0 {
		end = min(end, len(buf)+room)
	}
	n, got, truncated, ctlErr, err := c.t.read(buf[len(buf):end], last)
	if len(got) > 0 {
		c.in.files.push(got)
		clear(got)
	}
	if ctlErr != nil {
		c.report(protocolError("recvmsg", nil, fmt.Errorf("%w: %w", ErrMalformedMessage, ctlErr)))
	}
	if truncated {
		c.report(protocolError("recvmsg", nil, ErrControlTruncated))
	}
	if err != nil {
		var perr *ProtocolError // a transport's framing error (Windows)
		if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &perr) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	if n == 0 {
		if len(buf) > start+g.held {
			return fmt.Errorf("%w: EOF inside a message (%d bytes pending)", ErrDisconnected, len(buf)-start-g.held)
		}
		return fmt.Errorf("%w: %w", ErrDisconnected, io.EOF)
	}
	buf = buf[:len(buf)+n]
	whole := false
	// p is where the next frame starts; kept the end of the held frames
	// (start+g.held). Without held frames they are start.
	p := start + g.held
	kept := p
	defer func() {
		// The frame in progress follows the held frames.
		if p != kept {
			m := copy(buf[kept:], buf[p:])
			buf = buf[:kept+m]
		}
		g.held = kept - start
		if g.held == 0 && start == len(buf) {
			buf = buf[:0]
			start = 0
			if cap(buf) > keepBufSize {
				buf = make([]byte, 0, readSize)
			}
		}
	}()
	for {
		s, e, next, ferr := c.codec.frame(buf[p:], &g.scanned, limit)
		if ferr != nil {
			return ferr
		}
		if next == 0 {
			break
		}
		whole = true
		if kept == start && !c.in.full() {
			// Dispatch in order.
			var payload []byte
			if start == 0 && next == len(buf) && cap(buf) > keepBufSize {
				// A large message fills the buffer: hand the buffer over
				// instead of copying it.
				payload = buf[s:e:e]
				buf = make([]byte, 0, readSize)
				start, p, kept = 0, 0, 0
			} else {
				payload = append([]byte(nil), buf[p+s:p+e]...)
				p += next
				start, kept = p, p
			}
			if err := c.dispatch(payload); err != nil {
				return err
			}
			continue
		}
		// Holding: answers go on, everything else waits in order.
		if c.isAnswer(buf[p+s : p+e]) {
			payload := append([]byte(nil), buf[p+s:p+e]...)
			p += next
			if err := c.dispatch(payload); err != nil {
				return err
			}
			continue
		}
		if p != kept {
			copy(buf[kept:], buf[p:p+next])
		}
		kept += next
		p += next
		g.heldFrames.Add(1)
	}
	g.last = framingPartial // SPIN POLICY: did this read complete a message?
	if whole {
		g.last = framingWhole
	}
	c.trimFiles()
	return nil
}

// dispatchHeld dispatches held frames, oldest first, while the queue has
// room. The caller holds the read token.
func (c *Channel) dispatchHeld() error {
	g := &c.rd
	for g.held > 0 && !c.in.full() {
		if err := c.dispatchOneHeld(); err != nil {
			return err
		}
	}
	return nil
}

// flushHeld dispatches every held frame, whatever the bounds: the channel
// is ending. A frame that fails is dropped.
func (c *Channel) flushHeld() {
	for c.rd.held > 0 {
		c.dispatchOneHeld()
	}
}

func (c *Channel) dispatchOneHeld() error {
	g := &c.rd
	var scanned int
	s, e, next, err := c.codec.frame(g.buf[g.start:g.start+g.held], &scanned, c.opts.MaxMessageSize)
	if err != nil || next == 0 { // cannot happen: the frame was framed before
		g.held, g.start = 0, g.start+g.held
		g.heldFrames.Store(0)
		return err
	}
	payload := append([]byte(nil), g.buf[g.start+s:g.start+e]...)
	g.start += next
	g.held -= next
	g.heldFrames.Add(-1)
	return c.dispatch(payload)
}

// isAnswer reports whether the frame with this payload answers a request of
// this end (see holding): NODE_HANDLE_ACK, NODE_HANDLE_NACK,
// NODE_SOCKET_COUNT, NODE_SOCKET_ALL_CLOSED.
func (c *Channel) isAnswer(payload []byte) bool {
	if !bytes.Contains(payload, nodePrefix) && !bytes.Contains(payload, nodeUTF16) {
		return false
	}
	in, err := c.codec.parse(payload)
	if err != nil {
		return false
	}
	switch in.cmd {
	case "NODE_HANDLE_ACK", "NODE_HANDLE_NACK", "NODE_SOCKET_COUNT", "NODE_SOCKET_ALL_CLOSED":
		return true
	}
	return false
}
