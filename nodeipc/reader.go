package nodeipc

import (
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
	buf            []byte
	start, scanned int     // start of unconsumed bytes; bytes of it scanned
	last           framing // what the last read amounted to, for the next one
}

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
			c.endRead(nil) // ended by a write error or Close
			return
		}
		for g.readers.Load() == 0 {
			if !g.acquireUnless(context.Background(), c.done, nil) {
				c.endRead(nil)
				return
			}
			if g.readers.Load() != 0 {
				g.release()
				g.hold.Reset(recvHold) // in case that reader leaves without reading
				break
			}
			g.unkick(c)
			g.bg.Store(true)
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
			if err != nil {
				c.endRead(err)
				g.release()
				return
			}
			g.release()
		}
	}
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
	if c.in.pending() {
		// The previous holder queued something before it let go of the
		// read side: return it rather than wait for more.
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
func (c *Channel) endRead(err error) {
	c.rd.endOnce.Do(func() { c.endReadOnce(err) })
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

// readChunk does one recvmsg and dispatches every complete frame. The caller
// holds the read token. A returned error is terminal, except one wrapping
// os.ErrDeadlineExceeded (a kick), after which reading can go on.
func (c *Channel) readChunk() error {
	g := &c.rd
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
	n, got, truncated, ctlErr, err := c.t.read(buf[len(buf):cap(buf)], last)
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
		if len(buf) > start {
			return fmt.Errorf("%w: EOF inside a message (%d bytes pending)", ErrDisconnected, len(buf)-start)
		}
		return fmt.Errorf("%w: %w", ErrDisconnected, io.EOF)
	}
	buf = buf[:len(buf)+n]
	whole := false
	for {
		s, e, next, ferr := c.codec.frame(buf[start:], &g.scanned, limit)
		if ferr != nil {
			return ferr
		}
		if next == 0 {
			break
		}
		var payload []byte
		if start == 0 && next == len(buf) && cap(buf) > keepBufSize {
			// A large message fills the buffer: hand the buffer over
			// instead of copying it.
			payload = buf[s:e:e]
			buf = make([]byte, 0, readSize)
			start = 0
		} else {
			payload = append([]byte(nil), buf[start+s:start+e]...)
			start += next
		}
		if err := c.dispatch(payload); err != nil {
			return err
		}
		whole = true
	}
	g.last = framingPartial // SPIN POLICY: did this read complete a message?
	if whole {
		g.last = framingWhole
	}
	if start == len(buf) {
		buf = buf[:0]
		start = 0
		if cap(buf) > keepBufSize {
			buf = make([]byte, 0, readSize)
		}
	}
	c.trimFiles()
	return nil
}
