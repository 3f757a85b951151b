package main

import (
	"context"
	"io"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// runEcho sends every message back as it came, byte for byte, until the
// channel closes. A handle that comes with a message is closed (echo serves
// no sockets) and the message is echoed without it.
func runEcho(ch *nodeipc.Channel, _ []string, stderr io.Writer) int {
	return receive(ch, "echo", stderr, func(ctx context.Context, m *nodeipc.Message) error {
		closeHandle(m.Handle())
		return ch.SendRaw(ctx, m.Raw())
	})
}
