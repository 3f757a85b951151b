package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// runEcho sends every message back as it came, byte for byte, until the
// channel closes.
func runEcho(ch *nodeipc.Channel, _ []string, stderr io.Writer) int {
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return 0
		}
		var perr *nodeipc.ProtocolError
		if errors.As(err, &perr) {
			fmt.Fprintf(stderr, "go-child: echo: %v\n", err)
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "go-child: echo: %v\n", err)
			return 1
		}
		if err := ch.SendRaw(ctx, m.Raw()); err != nil {
			if errors.Is(err, nodeipc.ErrDisconnected) {
				return 0
			}
			fmt.Fprintf(stderr, "go-child: echo: %v\n", err)
			return 1
		}
	}
}
