package main

import (
	"context"
	"fmt"
	"io"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

// maxQueued is the bound go-child sets on received messages waiting for its
// loop (nodeipc.Options.MaxQueuedMessages), worker.DefaultMaxQueuedMessages,
// with the byte bound's default (16 MiB). A mode whose loop waits in Send
// while the peer does not read stops receiving; once the bound is reached
// the channel stops reading (back-pressure) until the loop catches up, so
// the peer's writes wait and nothing is lost or reordered, in every mode and
// serialization.
const maxQueued = worker.DefaultMaxQueuedMessages

// receive runs serve for every message on ch, the same way in every mode
// (worker.Serve, one message at a time): per-message errors (a line that is
// not JSON, an unusable handle) and errors from serve are logged and the loop
// goes on. It returns the exit code: 0 when the peer disconnected or the
// channel was closed, 1 when the channel ended with another error (logged),
// such as nodeipc.ErrMessageTooLarge.
func receive(ch *nodeipc.Channel, mode string, stderr io.Writer, serve func(ctx context.Context, m *nodeipc.Message) error) int {
	logf := func(err error) { fmt.Fprintf(stderr, "go-child: %s: %v\n", mode, err) }
	h := worker.HandlerFunc(func(ctx context.Context, _ *nodeipc.Channel, m *nodeipc.Message) error { return serve(ctx, m) })
	if err := worker.Serve(context.Background(), ch, h, &worker.Options{OnError: logf}); err != nil {
		logf(err)
		return 1
	}
	return 0
}

// closeHandle closes a received handle that the mode does not serve. Closing
// a socket the sender tracks (*nodeipc.TrackedConn) tells the sender, so its
// server.getConnections() and server.close() see it go.
func closeHandle(h nodeipc.Handle) {
	if h != nil {
		h.Close()
	}
}
