package nodeipc

import "bytes"

// A codec turns values into wire frames and wire frames into messages for
// one serialization mode. It is pure: bytes in, values out; it never touches
// sockets or file descriptors.
type codec interface {
	// appendFrame appends the complete wire frame for v to dst.
	appendFrame(dst []byte, v any, max int) ([]byte, error)

	// appendRaw appends the frame for an already encoded payload, after
	// checking that the peer can parse it.
	appendRaw(dst []byte, p []byte, max int) ([]byte, error)

	// appendEnvelope appends a NODE_HANDLE frame: Node's envelope
	// {cmd, type, msg, [key], [dgramType]} around the user value msg.
	appendEnvelope(dst []byte, env *handleEnvelope, msg any, max int) ([]byte, error)

	// appendInternal appends the frame of an internal message whose fields
	// are given in order (values are strings, ints, bools or nil).
	appendInternal(dst []byte, fields []field) ([]byte, error)

	// frame finds the first complete frame in b. It returns the payload
	// bounds and the length of the whole frame, or next == 0 when more bytes
	// are needed. scanned is how many bytes of b earlier calls already
	// looked at without finding a frame end; frame updates it. A frame over
	// max is an error wrapping ErrMessageTooLarge.
	frame(b []byte, scanned *int, max int) (start, end, next int, err error)

	// parse classifies one payload, which the caller no longer changes.
	parse(payload []byte) (inbound, error)

	// mode reports the serialization.
	mode() Serialization
}

// field is one member of an internal message, in emission order.
type field struct {
	key string
	val any
}

// handleEnvelope is the NODE_HANDLE wrapper Node puts around a message that
// carries a file descriptor.
type handleEnvelope struct {
	typ       string // net.Server, net.Socket, net.Native, dgram.Socket, dgram.Native
	key       string // connection key of the server a net.Socket came from, or ""
	dgramType string // udp4 or udp6 for dgram.Socket, else ""
}

// inbound is a parsed frame.
type inbound struct {
	// cmd is the internal command, or "" for a user message.
	cmd string
	// msg is the user message (for cmd == ""), or the internal message
	// itself (passed to OnInternalMessage).
	msg *Message
	// obj gives access to the fields of an internal message.
	obj internalFields
}

// internalFields reads the top-level fields of an internal message.
type internalFields interface {
	// str returns a string field.
	str(key string) (string, bool)
	// num returns a number field.
	num(key string) (float64, bool)
	// sub returns a field as a message of its own (the `msg` of a
	// NODE_HANDLE), or nil when the field is absent.
	sub(key string) (*Message, internalFields, error)
}

// isInternalCmd is Node's rule for internal messages: a string cmd longer
// than five characters that starts with "NODE_".
func isInternalCmd(cmd string) bool {
	return len(cmd) > 5 && cmd[:5] == "NODE_"
}

var nodePrefix = []byte("NODE_")

// mayBeInternalJSON is a fast, conservative filter: a payload without the bytes
// "NODE_" and without escapes cannot carry an internal cmd.
func mayBeInternalJSON(b []byte) bool {
	return bytes.Contains(b, nodePrefix) || bytes.Contains(b, []byte(`\u`))
}
