package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// maxQueued is the bound go-child sets on received messages waiting for its
// loop (nodeipc.Options.MaxQueuedMessages; with the byte bound's default,
// 16 MiB). A mode whose loop waits in Send while the peer does not read
// stops receiving; once the bound is reached the channel stops reading
// (back-pressure) until the loop catches up, so the peer's writes wait and
// nothing is lost or reordered, in every mode and serialization.
const maxQueued = 1 << 16

// receive runs serve for every message on ch, the same way in every mode.
// Per-message errors (a line that is not JSON, an unusable handle) are
// logged and skipped: ch.Messages yields them in place and goes on. An error
// from serve is logged and the loop goes on, unless the channel has ended
// (then there is nobody to answer). receive returns the exit code: 0 when the
// peer disconnected or the channel was closed, 1 when the channel ended with
// another error (logged), such as nodeipc.ErrMessageTooLarge.
func receive(ch *nodeipc.Channel, mode string, stderr io.Writer, serve func(ctx context.Context, m *nodeipc.Message) error) int {
	ctx := context.Background()
	for m, err := range ch.Messages(ctx) {
		if err != nil {
			// A bad message, or last the failure that broke the channel
			// (a normal end yields nothing).
			fmt.Fprintf(stderr, "go-child: %s: %v\n", mode, err)
			continue
		}
		if err := serve(ctx, m); err != nil {
			if ch.Err() != nil {
				// The channel ended (Err is set before a Send fails
				// because of that): what is still queued cannot be
				// answered.
				if end := ch.Err(); !normalEnd(end) {
					fmt.Fprintf(stderr, "go-child: %s: %v\n", mode, end)
				}
				break
			}
			fmt.Fprintf(stderr, "go-child: %s: %v\n", mode, err)
		}
	}
	if err := ch.Err(); err != nil && !normalEnd(err) {
		return 1
	}
	return 0
}

// normalEnd reports whether err, the error a channel ended with, is the
// ordinary end of a worker: the peer disconnected, or the channel was
// closed.
func normalEnd(err error) bool {
	return errors.Is(err, nodeipc.ErrDisconnected) || errors.Is(err, net.ErrClosed)
}

// closeHandle closes a received handle that the mode does not serve. Closing
// a socket the sender tracks (*nodeipc.TrackedConn) tells the sender, so its
// server.getConnections() and server.close() see it go.
func closeHandle(h any) {
	if c, ok := h.(io.Closer); ok {
		c.Close()
	}
}
