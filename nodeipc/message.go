package nodeipc

import (
	"fmt"
	"net"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
)

// Message is one message received from the peer: what Node delivers to a
// 'message' (or 'internalMessage') listener, plus the handle that came with
// it, if any.
//
// A Message owns its bytes; it stays valid after later Recv calls and is
// safe to read from several goroutines. The handle, if any, belongs to the
// receiver of the Message, who must close it.
type Message struct {
	mode   Serialization
	data   []byte // JSON text, or V8 payload (header and value)
	handle any
	htype  string
	key    string
}

// Decode decodes the message into v, which must be a non-nil pointer. In JSON
// mode the rules are those of encoding/json; in advanced mode those of the
// V8 codec (see package nodeipc/v8value).
func (m *Message) Decode(v any) error {
	switch m.mode {
	case JSON:
		if err := jsonx.Unmarshal(m.data, v); err != nil {
			return fmt.Errorf("nodeipc: decode: %w", err)
		}
		return nil
	case Advanced:
		return decodeAdvanced(m.data, v)
	}
	return fmt.Errorf("nodeipc: decode: unknown serialization %v", m.mode)
}

// Raw returns the message as it was on the wire: the JSON text (without the
// newline; ill-formed UTF-8 replaced by U+FFFD as Node's reader does) in JSON
// mode, the V8 payload (serializer header and value, without
// the length prefix) in advanced mode. For a message that came with a
// handle, it is the user message inside Node's NODE_HANDLE envelope. The
// caller must not modify the returned slice.
func (m *Message) Raw() []byte { return m.data }

// Serialization reports the encoding of Raw.
func (m *Message) Serialization() Serialization { return m.mode }

// String returns the message text in JSON mode, and a short description in
// advanced mode.
func (m *Message) String() string {
	if m.mode == JSON {
		return string(m.data)
	}
	return fmt.Sprintf("advanced message (%d bytes)", len(m.data))
}

// Handle returns the socket that came with the message, or nil. It is one
// of:
//
//   - net.Server:   *net.TCPListener or *net.UnixListener
//   - net.Socket:   *net.TCPConn or *net.UnixConn, or a *TrackedConn when the
//     sender tracks the socket for server.getConnections() (see TrackedConn)
//   - net.Native:   *net.TCPListener, *net.UnixListener, *net.TCPConn,
//     *net.UnixConn, or an *os.File for a bound but not listening socket
//   - dgram.Socket, dgram.Native: *net.UDPConn
//
// The caller owns the handle and must close it. Calling Handle several
// times returns the same value.
func (m *Message) Handle() any { return m.handle }

// HandleType returns Node's name for the kind of handle ("net.Server",
// "net.Socket", "net.Native", "dgram.Socket", "dgram.Native"), or "" for a
// message without a handle.
func (m *Message) HandleType() string { return m.htype }

// Key returns the connection key Node attached to a net.Socket handle (the
// server address it was accepted on, e.g. "4:127.0.0.1:8000"), or "".
func (m *Message) Key() string { return m.key }

// The accessors Conn, Listener and PacketConn return the handle as the
// standard interface of its kind, or nil when it is of another kind (or
// there is none); Handle returns the concrete value, for type-specific
// methods.

// Conn returns the handle as a net.Conn (a *net.TCPConn, *net.UnixConn or
// *TrackedConn), or nil if the message carries no connected stream socket.
func (m *Message) Conn() net.Conn {
	if _, udp := m.handle.(*net.UDPConn); udp {
		return nil // a net.Conn too, but a datagram socket: see PacketConn
	}
	c, _ := m.handle.(net.Conn)
	return c
}

// Listener returns the handle as a net.Listener, or nil.
func (m *Message) Listener() net.Listener {
	l, _ := m.handle.(net.Listener)
	return l
}

// PacketConn returns the handle as a net.PacketConn (a *net.UDPConn), or
// nil.
func (m *Message) PacketConn() net.PacketConn {
	if u, ok := m.handle.(*net.UDPConn); ok {
		return u
	}
	return nil // a *net.UnixConn is a net.PacketConn too, but a stream
}
