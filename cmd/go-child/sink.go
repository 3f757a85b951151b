package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// runSink counts received messages and answers {"count":N} to a message
// that starts with {"end" (the object {end: true}), then counts from zero
// again. It exists to measure one-way throughput; see bench/.
func runSink(ch *nodeipc.Channel, _ []string, stderr io.Writer) int {
	ctx := context.Background()
	end := []byte(`{"end"`)
	count := 0
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return 0
		}
		if err != nil {
			fmt.Fprintf(stderr, "go-child: sink: %v\n", err)
			return 1
		}
		if !bytes.HasPrefix(m.Raw(), end) {
			count++
			continue
		}
		if err := ch.Post(map[string]int{"count": count}); err != nil {
			fmt.Fprintf(stderr, "go-child: sink: %v\n", err)
			return 1
		}
		count = 0
	}
}
