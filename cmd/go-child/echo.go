package main

import (
	"context"
	"errors"
	"io"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// runEcho sends every message back as it came, byte for byte, until the
// channel closes. A handle that comes with a message is closed (echo serves
// no sockets) and the message is echoed without it.
//
// Replies are posted: a burst of requests read at once is answered with one
// write when the loop comes back to Recv (see nodeipc.Channel.Post). When
// the peer does not read and the write queue is full, the reply is sent
// with SendRaw instead, which waits: back-pressure, not a lost reply.
func runEcho(ch *nodeipc.Channel, _ []string, stderr io.Writer) int {
	return receive(ch, "echo", stderr, func(ctx context.Context, m *nodeipc.Message) error {
		closeHandle(m.Handle())
		err := ch.PostRaw(m.Raw())
		if errors.Is(err, nodeipc.ErrPostWouldBlock) {
			return ch.SendRaw(ctx, m.Raw())
		}
		return err
	})
}
