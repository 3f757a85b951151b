//go:build unix || windows

package nodeipctest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/testsock"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// Peer is the Node.js end of a channel, in process. Its methods are those of
// a *nodeipc.Channel (Send, SendHandle, Recv, Messages, SocketCount, Close,
// …), which behaves on the wire as a Node process does: the same framing in
// both serializations, NODE_HANDLE envelopes with real descriptors, ACKs for
// what it receives and a queue behind what it sends, answers to socket-list
// queries, 'disconnect' as EOF. Close disconnects, as Node's
// subprocess.disconnect() does.
//
// WriteRaw and WriteRawFD (Unix) put bytes on the socket as they are, for
// input a well-behaved Node would never send; they bypass the channel's
// write ordering, so call them only while nothing else is sending on the
// Peer. A Peer from StartChild, and any Peer on Windows, has no raw
// access: they return ErrNoRawSocket.
//
// A Peer is safe for concurrent use as a Channel is; WriteRaw is not safe
// concurrently with sends.
type Peer struct {
	*nodeipc.Channel
	raw rawConn // nil: no raw access (StartChild; Pair on Windows)
}

// Options configures NewPair.
type Options struct {
	// Serialization of the channel, both ends: nodeipc.JSON (the default)
	// or nodeipc.Advanced, as fork()'s serialization option.
	Serialization nodeipc.Serialization

	// Worker configures the worker's end (nil: the defaults); its
	// Serialization is set from the field above. StartChild ignores it:
	// the worker program opens its own end.
	Worker *nodeipc.Options
}

// Pair returns a Peer playing Node and the worker's end of the channel
// connected to it: the *nodeipc.Channel that nodeipc.FromEnv would return in
// a process Node forked (on Windows, a named pipe with libuv's framing,
// from nodeipc.Pipe). The caller closes both (closing the Peer is Node
// disconnecting; closing the worker's end is the worker disconnecting).
func Pair(opts *Options) (*Peer, *nodeipc.Channel, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var wo nodeipc.Options
	if o.Worker != nil {
		wo = *o.Worker
	}
	wo.Serialization = o.Serialization
	return pair(&nodeipc.Options{Serialization: o.Serialization}, &wo)
}

// NewPair is Pair for a test: both ends are closed when the test ends, and
// an error fails it.
func NewPair(tb testing.TB, opts *Options) (*Peer, *nodeipc.Channel) {
	tb.Helper()
	peer, worker, err := Pair(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { worker.Close(); peer.Close() })
	return peer, worker
}

// StartChild starts cmd, a worker program, as Node's fork() would: the
// channel on descriptor 3 and NODE_CHANNEL_FD=3 (and
// NODE_CHANNEL_SERIALIZATION_MODE) in its environment, so nodeipc.FromEnv
// in the worker finds it. It returns the Peer, Node's end. When the test
// ends the Peer is closed and the process, if still running, killed.
//
// It is nodeipc.Start with a test's lifetime; use that directly to keep
// the child past the test.
func StartChild(tb testing.TB, cmd *exec.Cmd, opts *Options) *Peer {
	tb.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	ch, err := nodeipc.Start(cmd, &nodeipc.Options{Serialization: o.Serialization})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ch.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return &Peer{Channel: ch, raw: nil}
}

// ErrNoRawSocket is returned by WriteRaw and WriteRawFD on a Peer from
// StartChild, whose socket is the channel's alone, and on Windows.
var ErrNoRawSocket = errors.New("nodeipctest: this Peer has no raw socket (a StartChild peer, or any peer on Windows)")

// CountFDs returns how many descriptors the process has open, for leak
// checks around a piece of work (-1 where the system does not list them).
func CountFDs() int { return testsock.CountFDs() }

// MustRecv is ch.Recv with a timeout that fails the test on any error: the
// common line of a test that expects a message. ch is a worker's Channel or
// a Peer's (peer.Channel).
func MustRecv(tb testing.TB, ch *nodeipc.Channel, timeout time.Duration) *nodeipc.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	m, err := ch.Recv(ctx)
	if err != nil {
		tb.Fatal(fmt.Errorf("nodeipctest: Recv: %w", err))
	}
	return m
}
