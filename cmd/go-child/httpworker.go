package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/cluster"
)

// runHTTPWorker is a cluster worker serving HTTP on the port in $PORT
// (default 8000) through the primary, answering every request with the
// arguments joined by spaces. It exits 0 when the primary disconnects it
// (after open requests finish) or the channel to the primary closes.
func runHTTPWorker(args []string, stderr io.Writer) int {
	text := ""
	for i, a := range args {
		if i > 0 {
			text += " "
		}
		text += a
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8000"
	}
	w, err := cluster.NewWorker(&cluster.WorkerOptions{Channel: &nodeipc.Options{MaxQueuedMessages: maxQueued}})
	if err != nil {
		fmt.Fprintf(stderr, "go-child: http-worker: %v\n", err)
		return 2
	}
	defer w.Close()
	// Messages from the primary (worker.send()) have no use here: take
	// them, closing any handle, so that none waits in the queue.
	go receive(w.Channel(), "http-worker", stderr, func(_ context.Context, m *nodeipc.Message) error {
		closeHandle(m.Handle())
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	ln, err := w.Listen(ctx, "tcp", net.JoinHostPort("", port))
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "go-child: http-worker: %v\n", err)
		return 1
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
			io.WriteString(rw, text)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "go-child: http-worker: serve: %v\n", err)
			return 1
		}
	case <-w.Done():
	}
	// Let open requests finish, then close the channel (the primary sees
	// 'disconnect').
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	srv.Shutdown(sctx)
	if err := w.Close(); err != nil {
		fmt.Fprintf(stderr, "go-child: http-worker: %v\n", err)
	}
	return 0
}
