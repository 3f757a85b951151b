package nodeipc

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrForeignSerialization reports that the peer does not write Node's
// advanced serialization: a frame's payload does not start with the V8
// serializer's header byte FF. It is wrapped by a *SerializationError.
var ErrForeignSerialization = errors.New("nodeipc: the peer does not write Node's advanced serialization")

// SerializationError reports an advanced-mode frame whose payload does not
// start with a V8 serializer header, so the peer writes some other format
// and the stream cannot be framed further. It is found as soon as the
// frame's fifth byte arrives, never by waiting for the length its first
// four bytes seem to announce. The channel ends: Recv returns the messages
// received before the frame, then this error (final, like
// ErrMessageTooLarge); Done is closed and Err returns it.
//
// Bun is recognised by name: its child_process IPC in advanced mode writes
// its own format (a version packet 01 02 00 00 00, then packets of a type
// byte, a little-endian length and a JavaScriptCore serialization), which
// neither Node nor this package reads. The remedy is
// `serialization: 'json'` (the default) in the Bun parent's fork() or
// spawn() options, which Bun writes as Node does.
type SerializationError struct {
	// Peer names what the bytes look like: "Bun" (Bun's advanced IPC
	// format), "JSON" (a JSON line: the peer uses serialization 'json'),
	// or "" when unrecognised.
	Peer string
	// Head holds the start of the offending frame (up to 16 bytes).
	Head []byte
}

// Error names the peer's format when it is recognised, with the remedy.
func (e *SerializationError) Error() string {
	const prefix = "nodeipc: advanced frame without a V8 header"
	switch e.Peer {
	case "Bun":
		return fmt.Sprintf("%s (first bytes % x): the peer is Bun, whose serialization: 'advanced' is its own format, not V8's; use serialization: 'json' in the Bun parent", prefix, e.Head)
	case "JSON":
		return fmt.Sprintf("%s (first bytes %q): the peer writes JSON lines (serialization: 'json') while this channel expects 'advanced'", prefix, e.Head)
	}
	return fmt.Sprintf("%s (first bytes % x): the peer does not write Node's advanced serialization", prefix, e.Head)
}

// Unwrap returns ErrForeignSerialization.
func (e *SerializationError) Unwrap() error { return ErrForeignSerialization }

// bunVersionPacket starts Bun's advanced IPC stream: type 1 (version),
// then the version 2 as a little-endian uint32.
var bunVersionPacket = []byte{0x01, 0x02, 0x00, 0x00, 0x00}

// foreignFrame inspects an advanced-mode frame that announces a non-empty
// payload and holds at least its first payload byte (len(b) >= 5). It
// returns nil when that byte is the V8 header's FF, and otherwise a
// *SerializationError naming what the bytes look like.
func foreignFrame(b []byte) error {
	if b[4] == 0xFF {
		return nil
	}
	head := bytes.Clone(b[:min(len(b), 16)])
	e := &SerializationError{Head: head}
	switch {
	case bytes.HasPrefix(b, bunVersionPacket):
		e.Peer = "Bun"
	case looksLikeJSON(b[:min(len(b), 16)]):
		e.Peer = "JSON"
	}
	return e
}

// looksLikeJSON reports whether b could start a JSON line as Node writes
// it: an object, array or string first, then printable ASCII.
func looksLikeJSON(b []byte) bool {
	if len(b) == 0 || (b[0] != '{' && b[0] != '[' && b[0] != '"') {
		return false
	}
	for _, c := range b {
		if (c < 0x20 || c > 0x7E) && c != '\n' {
			return false
		}
	}
	return true
}
