package nodeipc

import (
	"fmt"
	"net"
)

// dispatch routes one payload. A returned error is fatal.
func (c *Channel) dispatch(payload []byte) error {
	if c.opts.Trace != nil {
		c.traceIn(payload)
	}
	in, err := c.codec.parse(payload)
	if err != nil {
		c.report(err)
		return nil
	}
	if in.cmd == "" {
		c.deliver(in.msg)
		return nil
	}
	return c.handleInternal(in)
}

// handleInternal reacts to one internal message, on the read goroutine. A
// returned error is fatal to the channel.
func (c *Channel) handleInternal(in inbound) error {
	switch in.cmd {
	case "NODE_HANDLE":
		return c.receiveHandle(in)
	case "NODE_HANDLE_ACK", "NODE_HANDLE_NACK":
		if err := c.w.ack(in.cmd == "NODE_HANDLE_ACK"); err != nil {
			// No handle waits for it (ErrUnsolicitedAck): Node ignores
			// such an answer, and so does the channel; it is counted.
			c.unsolicitedAcks.Add(1)
		}
		return nil
	case "NODE_SOCKET_GET_COUNT", "NODE_SOCKET_NOTIFY_CLOSE", "NODE_SOCKET_COUNT", "NODE_SOCKET_ALL_CLOSED":
		key, _ := in.obj.str("key")
		count, _ := in.obj.num("count")
		// Deno's parent numbers its queries and wants the id back.
		id, hasID := in.obj.num("id")
		c.sl.handle(c, in.cmd, key, int(count), query{id: id, numbered: hasID})
		if in.cmd == "NODE_SOCKET_NOTIFY_CLOSE" {
			c.peerClosing(key) // HandedSocketsOptions.OnPeerClose (handed.go)
		}
		return nil
	}
	c.internalHook(in.msg)
	return nil
}

func (c *Channel) internalHook(m *Message) {
	if c.opts.OnInternalMessage != nil {
		c.opts.OnInternalMessage(m)
		return
	}
	if m.handle != nil {
		closeHandle(m.handle)
	}
}

// receiveHandle implements Node's NODE_HANDLE listener: take the oldest
// received descriptor, ACK (or NACK and drop the message when there is
// none), convert it, and deliver the inner message with it.
func (c *Channel) receiveHandle(in inbound) error {
	f, haveFile := c.in.files.take()
	if c.opts.Trace != nil {
		c.traceHandle(f, haveFile)
	}
	if !haveFile {
		c.sendAck(false)
		c.report(protocolError("handle", in.msg.data, ErrMissingHandle))
		return nil
	}
	c.sendAck(true)
	typ, key, msg, obj, err := unwrapHandle(in.obj)
	if err == nil && msg == nil {
		err = errNoMsg
	}
	if err != nil {
		f.close()
		c.report(protocolError("handle", in.msg.data, fmt.Errorf("%w: %w", ErrMalformedMessage, err)))
		return nil
	}
	h, herr := convertHandle(f, typ)
	msg.htype = typ
	msg.key = key
	if herr == nil {
		if conn, ok := h.(net.Conn); ok && typ == TypeSocket && key != "" {
			h = c.sl.track(c, key, conn)
		}
		msg.handle = h
	}
	// The inner message is classified again: cluster sends internal
	// messages (newconn, shared handles) inside NODE_HANDLE.
	if obj != nil {
		if cmd, ok := obj.str("cmd"); ok && isInternalCmd(cmd) {
			if herr != nil {
				c.report(&HandleError{Type: typ, Message: msg, Err: herr})
				return nil
			}
			c.internalHook(msg)
			return nil
		}
	}
	if herr != nil {
		c.report(&HandleError{Type: typ, Message: msg, Err: herr})
		return nil
	}
	c.deliver(msg)
	return nil
}

// maxHandleWraps is how many NODE_HANDLE envelopes a received handle may
// come in. Node wraps a handle once more each time it retransmits it after
// a NACK, as net.Native around the previous envelope, and retransmits at
// most three times.
const maxHandleWraps = 8

// unwrapHandle reads a NODE_HANDLE envelope and every envelope nested in
// it, as Node's receiver does (it handles each level as a NODE_HANDLE of
// its own): the innermost type and key describe the handle, the innermost
// msg is the message. The ACK is sent once, for the frame.
func unwrapHandle(env internalFields) (typ, key string, msg *Message, obj internalFields, err error) {
	typ, _ = env.str("type")
	key = handleKey(env)
	msg, obj, err = env.sub("msg")
	for wraps := 1; err == nil && obj != nil; wraps++ {
		if cmd, ok := obj.str("cmd"); !ok || cmd != "NODE_HANDLE" {
			break
		}
		if wraps == maxHandleWraps {
			return "", "", nil, nil, fmt.Errorf("NODE_HANDLE wrapped more than %d times", maxHandleWraps)
		}
		typ, _ = obj.str("type")
		key = handleKey(obj)
		msg, obj, err = obj.sub("msg")
	}
	return typ, key, msg, obj, err
}

// handleKey is a NODE_HANDLE envelope's socket-list key: Node's key, or
// Deno's socketListKey.
func handleKey(env internalFields) string {
	if key, ok := env.str("key"); ok {
		return key
	}
	key, _ := env.str("socketListKey")
	return key
}
