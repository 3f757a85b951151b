package main

import (
	"bytes"
	"context"
	"io"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// runSink counts received messages and answers {"count":N} to a message
// that starts with {"end" (the object {end: true}), then counts from zero
// again. It exists to measure one-way throughput; see bench/. Handles that
// come with messages are closed.
func runSink(ch *nodeipc.Channel, _ []string, stderr io.Writer) int {
	end := []byte(`{"end"`)
	count := 0
	return receive(ch, "sink", stderr, func(_ context.Context, m *nodeipc.Message) error {
		closeHandle(m.Handle())
		if !bytes.HasPrefix(m.Raw(), end) {
			count++
			return nil
		}
		n := count
		count = 0
		return ch.Post(map[string]int{"count": n})
	})
}
