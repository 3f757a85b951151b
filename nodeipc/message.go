package nodeipc

import (
	"fmt"
	"net"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc/internal/jsonx"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
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

// Decode decodes the message into v, which must be a non-nil pointer, in
// the manner of encoding/json: objects fill structs (by `json` tag, else
// field name, case-insensitively) and maps, arrays fill slices, numbers
// numeric types. In JSON mode the decoder is github.com/goccy/go-json,
// which follows encoding/json's rules; in advanced mode package
// nodeipc/v8value's Unmarshal, which also fills time.Time from a Date,
// *big.Int from a BigInt and []byte from a Buffer.
//
// Into any, []any and map[string]any both serializations give the same Go
// types, those of encoding/json: nil, bool, float64, string, []any and
// map[string]any (see v8value.Unmarshal for the values only advanced mode
// carries). The exact V8 representation is v8value.Decode(m.Raw()), or
// Decode into a *v8value.Object, *v8value.Array or the like.
//
// A failure is a *DecodeError whatever the serialization; it wraps the
// decoder's own error.
func (m *Message) Decode(v any) error {
	var err error
	switch m.mode {
	case JSON:
		err = jsonx.Unmarshal(m.data, v)
	case Advanced:
		err = v8value.Unmarshal(m.data, v)
	default:
		err = fmt.Errorf("unknown serialization %v", m.mode)
	}
	if err != nil {
		return newDecodeError(m.mode, err)
	}
	return nil
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
// Each satisfies Handle, so it can be sent on with SendHandle as it is. The
// caller owns the handle and must close it. Calling Handle several times
// returns the same value.
func (m *Message) Handle() Handle {
	h, _ := m.handle.(Handle)
	return h
}

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

// Every type Message.Handle can hold satisfies Handle (the Windows socket
// types are checked in transport_handle_windows.go).
var (
	_ Handle = (*net.TCPListener)(nil)
	_ Handle = (*net.UnixListener)(nil)
	_ Handle = (*net.TCPConn)(nil)
	_ Handle = (*net.UnixConn)(nil)
	_ Handle = (*net.UDPConn)(nil)
	_ Handle = (*TrackedConn)(nil)
	_ Handle = (*os.File)(nil)
)
