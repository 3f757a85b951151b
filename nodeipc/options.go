package nodeipc

import (
	"fmt"
	"time"
)

// Serialization selects how messages are encoded on the wire. It must match
// the peer: Node's fork() option `serialization`.
type Serialization int

const (
	// JSON is Node's default: one JSON.stringify text per line.
	JSON Serialization = iota
	// Advanced is Node's `serialization: 'advanced'`: V8 ValueSerializer
	// payloads behind a 4-byte big-endian length.
	Advanced
)

// String returns the value Node uses in NODE_CHANNEL_SERIALIZATION_MODE.
func (s Serialization) String() string {
	switch s {
	case JSON:
		return "json"
	case Advanced:
		return "advanced"
	}
	return fmt.Sprintf("Serialization(%d)", int(s))
}

// ParseSerialization parses a NODE_CHANNEL_SERIALIZATION_MODE value the way
// Node does: "" and "json" mean JSON, "advanced" means Advanced, anything else
// is an error.
func ParseSerialization(s string) (Serialization, error) {
	switch s {
	case "", "json":
		return JSON, nil
	case "advanced":
		return Advanced, nil
	}
	return 0, fmt.Errorf("unknown serialization %q (want json or advanced)", s)
}

// Default limits.
const (
	DefaultMaxMessageSize = 128 << 20
	DefaultMaxFDsPerRead  = 16
	DefaultCloseTimeout   = 10 * time.Second
	DefaultSpinWait       = 100 * time.Microsecond
	// DefaultMaxBufferedBytes is the default Options.MaxBufferedBytes.
	DefaultMaxBufferedBytes = 64 << 20
	// DefaultMaxQueuedMessages and DefaultMaxQueuedBytes are the default
	// bounds of the received messages waiting for Recv.
	DefaultMaxQueuedMessages = 1 << 16
	DefaultMaxQueuedBytes    = 16 << 20
)

// Options configures a Channel. A nil *Options means all defaults. The
// constructors copy the struct; changing it afterwards has no effect.
type Options struct {
	// Serialization is the wire encoding. FromEnv ignores it and uses
	// NODE_CHANNEL_SERIALIZATION_MODE; Start exports it to the child.
	Serialization Serialization

	// MaxMessageSize bounds one message on the wire (a JSON line without its
	// newline, or an advanced payload without its length prefix; for a
	// handle, the whole NODE_HANDLE envelope), in both directions. 0 means
	// DefaultMaxMessageSize. A larger incoming message ends the channel with
	// ErrMessageTooLarge once the messages before it have been returned by
	// Recv (an unterminated JSON line as soon as more than MaxMessageSize
	// bytes of it are buffered); a larger outgoing one makes Send, SendRaw,
	// SendHandle, Post or PostInternal fail with ErrMessageTooLarge and
	// leaves the channel open.
	MaxMessageSize int

	// MaxQueuedMessages and MaxQueuedBytes bound the messages received but
	// not yet returned by Recv (see Channel.Queued), by number and by the
	// bytes of their payloads; per-message errors (*ProtocolError,
	// *HandleError) waiting for Recv count as messages. 0 means
	// DefaultMaxQueuedMessages (65,536) and DefaultMaxQueuedBytes (16 MiB);
	// a negative value removes the bound, as in Node.
	//
	// A full queue is back-pressure, as on any socket: the channel stops
	// reading until Recv makes room, the peer's writes then wait (a Node
	// peer buffers them), and nothing is lost or reordered. A message is
	// queued whenever the queue is below both bounds, so the bytes can pass
	// MaxQueuedBytes by one message. While the queue is full the channel
	// still reads up to HoldBytes further, so that the answers to its own
	// requests that arrive there (handle acknowledgements, socket-list
	// replies) are acted upon; the other messages read meanwhile wait,
	// unparsed and in order, for room. Messages passed to
	// OnInternalMessage do not count, but wait in order like the others:
	// a program that never calls Recv while its peer sends user messages
	// (a cluster primary ignoring its workers' messages, say) stops the
	// channel's internal traffic too once the bound is reached; it should
	// receive and drop them, or remove the bound.
	MaxQueuedMessages int
	MaxQueuedBytes    int

	// MaxFDsPerRead bounds the file descriptors accepted by one read, and
	// the received descriptors kept waiting for a NODE_HANDLE message to
	// claim them. Node sends at most one per message; more are treated as a
	// flood: beyond the bound in one read the kernel closes the excess and
	// Recv reports a *ProtocolError wrapping ErrControlTruncated; beyond the
	// bound across reads the oldest unclaimed descriptors are closed and
	// Recv reports a *ProtocolError wrapping ErrBadHandle. The channel stays
	// open in both cases. 0 means DefaultMaxFDsPerRead.
	MaxFDsPerRead int

	// SpinWait is how long a read that finds no data may wait for it in the
	// kernel, on the reading goroutine's own thread, before it parks on the
	// netpoller (Linux; elsewhere it always parks). It waits only while a
	// reply is due: this end wrote since its last read, and whole messages
	// have recently come within that time (a request/reply exchange). The
	// wait costs no CPU and saves the netpoller's wake-up, tens of
	// microseconds on a busy machine; an idle or slow channel, a one-way
	// stream, or one on which no whole message arrives never waits. The
	// waiting goroutine keeps its P: with GOMAXPROCS=1 other goroutines
	// run only after the wait, which is why it is bounded; deadlines and
	// Close take effect after at most SpinWait. A process whose other
	// goroutines need every P (for example both ends of a channel in one
	// process, as in tests) does better with it disabled. 0 means
	// DefaultSpinWait; a negative value disables it.
	SpinWait time.Duration

	// CloseTimeout bounds how long Close waits for the messages already
	// accepted (posted, waiting in Send, or queued behind an unacknowledged
	// handle) to be written. 0 means DefaultCloseTimeout.
	CloseTimeout time.Duration

	// MaxBufferedBytes bounds the bytes queued for writing (see
	// Channel.Buffered) that Post, PostInternal and PostHandle may add to:
	// past it they fail with ErrPostWouldBlock and queue nothing, so that a
	// producer posting to a peer that does not read cannot grow the process
	// without bound. A message is always accepted while nothing else is
	// queued. Send is not bounded by it: Send waits for its turn. 0 means
	// DefaultMaxBufferedBytes.
	MaxBufferedBytes int

	// OnInternalMessage, if set, is called with every internal message
	// (a `cmd` string longer than 5 characters starting with "NODE_") that the
	// channel does not handle itself, such as NODE_CLUSTER. It runs on the
	// goroutine that is reading the socket (the channel's reader, or a Recv
	// call that reads for itself): it must not block, and must not call Send,
	// SendHandle or Close (which may wait for that goroutine); use Post,
	// PostInternal and PostHandle to answer, and start a goroutine for anything slower. A
	// handle that came with the message belongs to the callback. Without a
	// callback, such messages are ignored (as Node ignores unknown commands)
	// and their handles closed.
	OnInternalMessage func(*Message)

	// Trace, if set, is called with every frame read and written, the
	// ACKs and NACKs this side queues, retransmitted handles and received
	// descriptors (see TraceEvent; SlogTrace logs them with log/slog). It
	// runs on the goroutine that reads or writes the frame (the channel's
	// own, or one calling Recv or Send), so it must return quickly
	// and must not call the channel; calls may come from two goroutines at
	// once. Unset, it costs nothing.
	Trace func(TraceEvent)

	holdBytes int // HoldBytes unless a test sets it
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxFDsPerRead <= 0 {
		c.MaxFDsPerRead = DefaultMaxFDsPerRead
	}
	if c.SpinWait == 0 {
		c.SpinWait = DefaultSpinWait
	} else if c.SpinWait < 0 {
		c.SpinWait = 0
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.MaxBufferedBytes <= 0 {
		c.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if c.holdBytes <= 0 {
		c.holdBytes = HoldBytes
	}
	switch {
	case c.MaxQueuedMessages == 0:
		c.MaxQueuedMessages = DefaultMaxQueuedMessages
	case c.MaxQueuedMessages < 0:
		c.MaxQueuedMessages = 0 // no bound
	}
	switch {
	case c.MaxQueuedBytes == 0:
		c.MaxQueuedBytes = DefaultMaxQueuedBytes
	case c.MaxQueuedBytes < 0:
		c.MaxQueuedBytes = 0
	}
	return c
}

func (o *Options) validate() error {
	if o == nil {
		return nil
	}
	if o.Serialization != JSON && o.Serialization != Advanced {
		return fmt.Errorf("nodeipc: invalid Options.Serialization %d", int(o.Serialization))
	}
	return nil
}
