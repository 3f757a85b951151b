package nodeipc

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Sentinel errors. Compare with errors.Is; the concrete errors returned by the
// package wrap these.
//
// Every error text starts with "nodeipc: " exactly once: an error that wraps
// another of this package's errors leaves the inner prefix out (for example
// `nodeipc: parse: malformed message: ... (data "not json")`).
var (
	// ErrNoChannel reports that the process was not started with an IPC
	// channel: NODE_CHANNEL_FD is unset or empty.
	ErrNoChannel = errors.New("nodeipc: no IPC channel (NODE_CHANNEL_FD is not set; start this program with child_process.fork() or an 'ipc' stdio slot)")

	// ErrDisconnected reports that the peer closed the channel (EOF) or the
	// channel failed. Returned by Send after the disconnect and by Recv once
	// every message received before the disconnect has been returned.
	ErrDisconnected = errors.New("nodeipc: channel disconnected")

	// ErrMessageTooLarge reports a message over Options.MaxMessageSize,
	// received or about to be sent.
	ErrMessageTooLarge = errors.New("nodeipc: message too large")

	// ErrMalformedMessage reports a frame from the peer that is not a valid
	// message in the channel's serialization (not JSON, bad V8 data, empty
	// line).
	ErrMalformedMessage = errors.New("nodeipc: malformed message")

	// ErrOverrun is fatal: it ends the channel. It reports that the peer
	// kept sending handle messages or socket-list queries without reading
	// the answers (over 1024 acknowledgements, or 1024 socket-list replies,
	// unwritten). The channel is closed. A full receive queue is not an
	// overrun: the channel stops reading until Recv makes room (see
	// Options.MaxQueuedMessages). (Formerly named ErrQueueFull.)
	ErrOverrun = errors.New("nodeipc: channel overrun (closed): too many unread answers")

	// ErrUnsolicitedAck describes a NODE_HANDLE_ACK or NODE_HANDLE_NACK from
	// the peer while no handle was waiting for one. The channel ignores such
	// an answer, as Node does; Recv does not report it.
	ErrUnsolicitedAck = errors.New("nodeipc: unsolicited handle acknowledgement")

	// ErrMissingHandle reports a NODE_HANDLE message that arrived without a
	// file descriptor. The message was answered with NODE_HANDLE_NACK and
	// dropped, as Node does.
	ErrMissingHandle = errors.New("nodeipc: handle message arrived without a file descriptor")

	// ErrControlTruncated reports that the kernel truncated the ancillary data
	// of a read (MSG_CTRUNC): file descriptors sent by the peer were lost.
	ErrControlTruncated = errors.New("nodeipc: ancillary data truncated, file descriptors lost")

	// ErrHandleNotReceived reports that the peer answered NODE_HANDLE_NACK to
	// every transmission of a handle.
	ErrHandleNotReceived = errors.New("nodeipc: handle did not reach the receiving process")

	// ErrBadHandle reports a handle that cannot be used: a received fd whose
	// kind does not match the message's handle type, an unknown type, or a
	// value passed to SendHandle that is not a supported socket.
	ErrBadHandle = errors.New("nodeipc: unusable handle")

	// ErrUnsupportedValue reports a value that cannot be sent: what Node's
	// send() would reject (top-level undefined or BigInt, functions), or what
	// the serialization cannot represent.
	ErrUnsupportedValue = errors.New("nodeipc: value cannot be sent")

	// ErrPostWouldBlock is not fatal: the channel stays open. Post,
	// PostInternal and PostHandle return it when Options.MaxBufferedBytes
	// are already queued for writing (the peer does not read fast enough)
	// and queue nothing; retry later, or Send, which waits. (Formerly named
	// ErrWriteQueueFull.)
	ErrPostWouldBlock = errors.New("nodeipc: post would block: too many unwritten messages (nothing queued, channel open)")
)

// errClosed is the error of a Channel after its own Close or Shutdown:
// "nodeipc: channel closed", wrapping net.ErrClosed (test with
// errors.Is(err, net.ErrClosed)).
var errClosed error = closedError{}

type closedError struct{}

func (closedError) Error() string { return "nodeipc: channel closed" }
func (closedError) Unwrap() error { return net.ErrClosed }

// ProtocolError describes input from the peer that could not be understood.
// Recv returns it in the place of the offending message. It is about that
// message only and never ends the channel: the next Recv continues with the
// next message (see Recv).
type ProtocolError struct {
	// Op names what was being done: "parse", "handle", "ack", "recvmsg".
	Op string
	// Data holds up to 256 bytes of the offending frame, for diagnostics.
	Data []byte
	// Err is the cause; it wraps one of the package sentinels.
	Err error
}

func (e *ProtocolError) Error() string {
	if len(e.Data) > 0 {
		return fmt.Sprintf("nodeipc: %s: %s (data %q)", e.Op, causeText(e.Err), e.Data)
	}
	return fmt.Sprintf("nodeipc: %s: %s", e.Op, causeText(e.Err))
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func protocolError(op string, data []byte, err error) *ProtocolError {
	const max = 256
	if len(data) > max {
		data = data[:max]
	}
	return &ProtocolError{Op: op, Data: append([]byte(nil), data...), Err: err}
}

// EnvError reports a malformed NODE_CHANNEL_FD or
// NODE_CHANNEL_SERIALIZATION_MODE, or an inherited fd that is not a connected
// AF_UNIX stream socket.
type EnvError struct {
	Var   string // the environment variable
	Value string // its value
	Err   error  // why it was rejected
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("nodeipc: %s=%q: %s", e.Var, e.Value, causeText(e.Err))
}

func (e *EnvError) Unwrap() error { return e.Err }

// HandleError reports a handle that arrived but could not be turned into a
// Go socket (for example an fd whose kind does not match the message's
// type). The message itself is kept in Message, so nothing is lost; its
// Handle is nil and the fd has been closed. Like a *ProtocolError it is
// about that message only and never ends the channel.
type HandleError struct {
	Type    string   // the handle type named by the peer, e.g. "net.Socket"
	Message *Message // the message that came with the handle
	Err     error    // the cause; wraps ErrBadHandle
}

func (e *HandleError) Error() string {
	return fmt.Sprintf("nodeipc: handle %q: %s", e.Type, causeText(e.Err))
}

func (e *HandleError) Unwrap() error { return e.Err }

// opError is an error of one operation, with the operation in its text:
// "nodeipc: <op>: <cause>".
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "nodeipc: " + e.op + ": " + causeText(e.err) }

func (e *opError) Unwrap() error { return e.err }

// causeText is the text of an error wrapped by one of this package's errors:
// err's text without its leading "nodeipc: ", which the wrapper writes.
func causeText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(err.Error(), "nodeipc: ")
}
