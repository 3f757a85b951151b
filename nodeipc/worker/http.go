package worker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// DefaultHTTPShutdownTimeout bounds how long ServeHTTP waits for requests
// in progress once it stops.
const DefaultHTTPShutdownTimeout = 10 * time.Second

type msgKey struct{}

// ServeHTTP serves srv on the connections and servers the peer hands over
// (Node's child.send('socket', socket) and child.send('server', server);
// see nodeipc.HandedSockets) until ctx ends or the channel ends, then shuts
// srv down gracefully (requests in progress get DefaultHTTPShutdownTimeout
// to finish) and returns nil. It wires what Node expects of a process that
// holds its sockets: when the parent's server.close() waits for the
// connections handed over here, keep-alives are turned off, so idle
// connections close at once and busy ones after their response, and
// Node's close callback runs.
//
// Plain messages, and handles that are not sockets, go to messages, served
// as by Serve with opts (ErrStop from it stops ServeHTTP too, for a
// 'shutdown' message); nil closes their handles and drops them. ServeHTTP
// sets srv.ConnContext, wrapping one already set, so that RequestMessage gives a
// request's message. It returns the error that ended the channel when it
// did not end normally, or srv's when serving failed. It never closes ch.
func ServeHTTP(ctx context.Context, ch *nodeipc.Channel, srv *http.Server, messages Handler, opts *Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prev := srv.ConnContext
	srv.ConnContext = func(cctx context.Context, c net.Conn) context.Context {
		if prev != nil {
			cctx = prev(cctx, c)
		}
		return context.WithValue(cctx, msgKey{}, nodeipc.ConnMessage(c))
	}
	ln, err := ch.HandedSockets(&nodeipc.HandedSocketsOptions{
		OnPeerClose: func(string) { srv.SetKeepAlivesEnabled(false) },
	})
	if err != nil {
		return err
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		served <- err
		if !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			cancel() // serving failed: stop (the channel's end ends Serve by itself)
		}
	}()
	if messages == nil {
		messages = HandlerFunc(func(_ context.Context, _ *nodeipc.Channel, m *nodeipc.Message) error {
			closeHandle(m)
			return nil
		})
	}
	final := Serve(ctx, ch, messages, opts)
	sctx, scancel := context.WithTimeout(context.Background(), DefaultHTTPShutdownTimeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-served; final == nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		final = err
	}
	return final
}

// RequestMessage returns the message a request's connection came with (for a
// connection accepted on a handed server, the server's message), from the
// request's context, or nil when the request was not served by ServeHTTP.
func RequestMessage(r *http.Request) *nodeipc.Message {
	m, _ := r.Context().Value(msgKey{}).(*nodeipc.Message)
	return m
}
