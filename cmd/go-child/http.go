package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// httpShutdownTimeout bounds how long a graceful exit waits for requests in
// progress.
const httpShutdownTimeout = 10 * time.Second

// runHTTP serves every socket Node hands over (net.Socket connections and
// net.Server listeners) with net/http, answering every request with the
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
			if m, _ := r.Context().Value(msgKey{}).(*nodeipc.Message); m != nil && m.Serialization() == nodeipc.JSON {
				rw.Header().Set("X-Nodeipc-Message", string(m.Raw()))
			}
			io.WriteString(rw, text)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, msgKey{}, nodeipc.ConnMessage(c))
		},
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln, err := ch.HandedSockets(&nodeipc.HandedSocketsOptions{
		OnPeerClose: func(string) { srv.SetKeepAlivesEnabled(false) },
	})
	if err != nil {
		fmt.Fprintf(stderr, "go-child: http: %v\n", err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := 0
	if ready {
		if err := ch.Send(ctx, "ready"); err != nil {
			fmt.Fprintf(stderr, "go-child: http: ready: %v\n", err)
			code = 1
		}
	}
	if code == 0 {
		code = httpMessages(ctx, ch, stderr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "go-child: http: shutdown: %v\n", err)
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		fmt.Fprintf(stderr, "go-child: http: serve: %v\n", err)
		code = 1
	}
	ln.Close()
	return code
}

// msgKey is the request context key of the message a connection came with.
type msgKey struct{}

// httpMessages answers plain messages until 'shutdown', a signal (ctx) or
// the channel's end, and returns the exit code.
func httpMessages(ctx context.Context, ch *nodeipc.Channel, stderr io.Writer) int {
	for {
		m, err := ch.Recv(ctx)
		switch {
		case err == nil:
		case ctx.Err() != nil, errors.Is(err, nodeipc.ErrDisconnected), errors.Is(err, net.ErrClosed):
			return 0
		default:
			var perr *nodeipc.ProtocolError
			var herr *nodeipc.HandleError
			if errors.As(err, &perr) || errors.As(err, &herr) {
				fmt.Fprintf(stderr, "go-child: http: %v\n", err)
				continue
			}
			fmt.Fprintf(stderr, "go-child: http: %v\n", err)
			return 1
		}
		if h, ok := m.Handle().(io.Closer); ok {
			h.Close() // not servable over HTTP (a dgram.Socket, a bound socket)
			continue
		}
		var s string
		if m.Decode(&s) == nil && s == "shutdown" {
			return 0
		}
		if err := ch.SendRaw(ctx, m.Raw()); err != nil {
			if ctx.Err() != nil || errors.Is(err, nodeipc.ErrDisconnected) {
				return 0
			}
			fmt.Fprintf(stderr, "go-child: http: %v\n", err)
			return 1
		}
	}
}
