package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

// runHTTP serves every socket Node hands over (net.Socket connections and
// net.Server listeners) with net/http (worker.ServeHTTP), answering every request with the
// arguments joined by spaces (and with the message the socket came with,
// in JSON mode, in the X-Nodeipc-Message header). With --ready it sends 'ready' once it serves
// (pm2's wait_ready). Plain messages are sent back unchanged, except the
// string 'shutdown' (pm2's shutdown_with_message), which, like SIGINT,
// SIGTERM and the channel's disconnect, makes it finish the requests in
// progress and exit 0. When the parent's server.close() waits for the
// connections held here, idle keep-alive connections are closed and the
// others get "Connection: close" after their response.
func runHTTP(ch *nodeipc.Channel, args []string, stderr io.Writer) int {
	ready := false
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		switch args[0] {
		case "--ready":
			ready = true
		case "--":
		default:
			fmt.Fprintf(stderr, "go-child: http: unknown flag %q\n", args[0])
			return 2
		}
		done := args[0] == "--"
		args = args[1:]
		if done {
			break
		}
	}
	text := strings.Join(args, " ")
	srv := &http.Server{
		Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if m := worker.RequestMessage(r); m != nil && m.Serialization() == nodeipc.JSON {
				rw.Header().Set("X-Nodeipc-Message", string(m.Raw()))
			}
			io.WriteString(rw, text)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if ready {
		// Sockets that arrive before ServeHTTP starts wait in the channel's
		// queue and are served then.
		if err := ch.Send(ctx, "ready"); err != nil {
			fmt.Fprintf(stderr, "go-child: http: ready: %v\n", err)
			return 1
		}
	}
	// Plain messages are echoed, except 'shutdown'; handles ServeHTTP does
	// not serve (a dgram.Socket, a bound socket) are closed.
	plain := worker.HandlerFunc(func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if h := m.Handle(); h != nil {
			return h.Close()
		}
		var s string
		if m.Decode(&s) == nil && s == "shutdown" {
			return worker.ErrStop
		}
		return ch.SendRaw(ctx, m.Raw())
	})
	logf := func(err error) { fmt.Fprintf(stderr, "go-child: http: %v\n", err) }
	if err := worker.ServeHTTP(ctx, ch, srv, plain, &worker.Options{OnError: logf}); err != nil {
		logf(err)
		return 1
	}
	return 0
}
