package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
)

// Recv returns the next message from the peer, waiting until one arrives,
// ctx ends, or the channel is disconnected. Messages that arrived before
// Recv was first called are returned first, in order: none is dropped for
// want of a listener.
//
// Which errors end receiving is one rule, the same for Recv and Messages:
//
//   - A *ProtocolError (input from the peer that could not be understood)
//     or a *HandleError (a handle that could not be used; the message is in
//     the error) comes in the place of one message. It is about that
//     message only: the channel stays open and the next Recv goes on with
//     the next message. Log it and carry on.
//   - Any other error is final. Either ctx ended (Recv returns ctx.Err() and
//     no message is lost: a later Recv with a live ctx goes on), or the
//     channel ended and every message received before that has been
//     returned: Recv returns the channel's terminal error (see Err), which
//     wraps ErrDisconnected when the peer closed the channel or the socket
//     failed (and the system's error, such as syscall.ECONNRESET, when
//     there was one), wraps net.ErrClosed after Close or Shutdown, or is
//     the fatal error that ended it (ErrMessageTooLarge, ErrOverrun, a
//     *ProtocolError about the stream itself); every later Recv returns it
//     again. By then Done is closed and Connected reports false.
//
// Messages applies this rule for you.
//
// A Recv that finds nothing queued reads the socket itself when the
// channel's reader is not in the middle of a read, which saves a goroutine
// hand-off per message; several Recv calls at once are safe.
func (c *Channel) Recv(ctx context.Context) (*Message, error) {
	for {
		m, err, ok := c.in.tryPop()
		if ok {
			if m != nil {
				c.w.holdPosts() // replies posted until the next Recv are coalesced (send.go)
			}
			if err != nil && !perMessage(err) {
				// The terminal error is recorded just before Done is
				// closed: wait the moment, so that after Recv returns it
				// Connected is false and Err returns it.
				<-c.done
			}
			return m, err
		}
		c.w.flushHeld() // nothing queued: write what Post held for this loop first
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if c.rd.tryAcquire() {
			// The read side is ours: read until something is queued.
			err := c.readDirect(ctx)
			if err != nil {
				return nil, err
			}
			continue
		}
		// The background reader holds the read side, most likely parked
		// on the netpoller: ask it to let go, and wait for a message or
		// the read side.
		c.rd.kick(c)
		if c.rd.acquireUnless(ctx, c.in.wake, c.done) {
			err := c.readDirect(ctx)
			if err != nil {
				return nil, err
			}
			continue
		}
		// Woken by a queued message, the channel's end (fail records the
		// terminal error before done is closed) or ctx's: the loop's top
		// takes what is queued first.
	}
}

// Messages returns an iterator over the messages Recv returns, for use
// with range-over-func. It yields a message with a nil error, or a nil
// message with an error about one message (a *ProtocolError or
// *HandleError: log it, the loop goes on) or, last, with the failure that
// ended the channel. A normal end ends the loop without an error value: the
// peer disconnected (the terminal error wraps ErrDisconnected), the channel
// was closed by Close or Shutdown, or ctx ended. So the loop never has to
// tell a clean exit from a failure:
//
//	for m, err := range ch.Messages(ctx) {
//		if err != nil {
//			log.Print(err) // a bad message, or (last) what broke the channel
//			continue
//		}
//		// use m
//	}
//	// the channel ended (ch.Err() says why) or ctx ended
//
// Breaking out of the loop loses no message: a later Recv or Messages goes
// on with the next one.
func (c *Channel) Messages(ctx context.Context) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		for {
			m, err := c.Recv(ctx)
			if err != nil && !perMessage(err) {
				if ctx.Err() == nil && !normalEnd(err) {
					yield(nil, err)
				}
				return
			}
			if !yield(m, err) {
				return
			}
		}
	}
}

// normalEnd reports whether err, a channel's terminal error, is an ordinary
// end: the peer went away, or this end closed the channel.
func normalEnd(err error) bool {
	return errors.Is(err, ErrDisconnected) || errors.Is(err, net.ErrClosed)
}

// Queued returns how many received messages (and per-message errors) are
// waiting for Recv, including those read while the queue was full and held
// until it has room (see Options.MaxQueuedMessages): the receiving side's
// counterpart of Buffered. It is safe to call from any goroutine.
func (c *Channel) Queued() int { return c.in.len() + int(c.rd.heldFrames.Load()) }

// perMessage reports whether err, returned by Recv, is about one message
// (the channel goes on) rather than final. This is the rule documented on
// Recv; only the reader produces these two types, and never as a
// terminal error.
func perMessage(err error) bool {
	switch err.(type) {
	case *ProtocolError, *HandleError:
		return true
	}
	return false
}

func (c *Channel) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// report queues a per-message error for Recv, in order with the messages.
func (c *Channel) report(err error) { c.in.push(item{err: err}) }

// deliver queues a message for Recv. The queue's bound never refuses it:
// the reader stops reading when the queue is full (see holding in
// reader.go).
func (c *Channel) deliver(m *Message) {
	if m.handle != nil {
		c.deliverHandle(m) // an open Listener may take it (listener.go)
		return
	}
	c.in.push(item{m: m})
}

// trimFiles closes received descriptors beyond what any message could still
// claim: Node sends at most one descriptor per message and one message with a
// handle at a time, so more than MaxFDsPerRead waiting is a flood.
func (c *Channel) trimFiles() {
	if n := c.in.files.trim(c.opts.MaxFDsPerRead); n > 0 {
		c.report(protocolError("recvmsg", nil, fmt.Errorf("%w: %d unclaimed descriptors closed", ErrBadHandle, n)))
	}
}
