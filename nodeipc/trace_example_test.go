package nodeipc_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// Options.Trace sees every frame of the channel: here the sending end of a
// pipe in advanced mode, where a time.Time travels as a JavaScript Date.
func ExampleTraceEvent() {
	trace := func(e nodeipc.TraceEvent) { fmt.Println(e.String()) }
	a, b, err := nodeipc.Pipe(&nodeipc.Options{Serialization: nodeipc.Advanced, Trace: trace},
		&nodeipc.Options{Serialization: nodeipc.Advanced})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	a.Send(ctx, map[string]any{"at": time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)})
	b.Recv(ctx)
	b.Send(ctx, "ok")
	a.Recv(ctx)
	// Output:
	// sent 22B { at: 2026-12-04T20:00:00.000Z }
	// received 10B 'ok'

}

// SlogTrace logs the events with log/slog (here without the time, for a
// stable output).
func ExampleSlogTrace() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	a, b, err := nodeipc.Pipe(&nodeipc.Options{Trace: nodeipc.SlogTrace(logger, slog.LevelDebug)}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	a.Send(ctx, map[string]int{"n": 1})
	b.Recv(ctx)
	// Output:
	// level=DEBUG msg=nodeipc kind=sent size=8 value="{\"n\":1}"
}
