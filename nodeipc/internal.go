package nodeipc

import (
	"fmt"
	"net"
)

// handleInternal reacts to one internal message, on the read goroutine. A
// returned error is fatal to the channel.
func (c *Channel) handleInternal(in inbound) error {
	switch in.cmd {
	case "NODE_HANDLE":
		return c.receiveHandle(in)
	case "NODE_HANDLE_ACK", "NODE_HANDLE_NACK":
		if err := c.w.ack(in.cmd == "NODE_HANDLE_ACK"); err != nil {
			c.report(protocolError("ack", in.msg.data, err))
		}
		return nil
	case "NODE_SOCKET_GET_COUNT", "NODE_SOCKET_NOTIFY_CLOSE", "NODE_SOCKET_COUNT", "NODE_SOCKET_ALL_CLOSED":
		key, _ := in.obj.str("key")
		count, _ := in.obj.num("count")
		c.sl.handle(c, in.cmd, key, int(count))
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
	f, haveFile := c.takeFile()
	typ, _ := in.obj.str("type")
	key, _ := in.obj.str("key")
	msg, obj, err := in.obj.sub("msg")
	// Node retransmits a NACKed socket wrapped a second time, as net.Native
	// around the original envelope: unwrap it and answer once.
	if err == nil && obj != nil {
		if cmd, ok := obj.str("cmd"); ok && cmd == "NODE_HANDLE" {
			typ, _ = obj.str("type")
			key, _ = obj.str("key")
			msg, obj, err = obj.sub("msg")
		}
	}
	if !haveFile {
		c.sendAck(false)
		c.report(protocolError("handle", in.msg.data, ErrMissingHandle))
		return nil
	}
	c.sendAck(true)
	if err == nil && msg == nil {
		err = errNoMsg
	}
	if err != nil {
		f.close()
		c.report(protocolError("handle", in.msg.data, fmt.Errorf("%w: %v", ErrMalformedMessage, err)))
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
	return c.deliver(msg)
}
