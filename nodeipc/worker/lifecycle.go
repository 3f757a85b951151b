package worker

import (
	"context"
	"errors"
	"net"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// channelContext returns a context that ends when ch ends.
func channelContext(ch *nodeipc.Channel) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-ch.Done()
		cancel()
	}()
	return ctx
}

// shutdown flushes what was posted and closes ch.
func shutdown(ctx context.Context, ch *nodeipc.Channel) error {
	return ch.Close()
}

// endedNormally reports whether err is how a channel ends normally: the
// peer disconnected, or this side closed it.
func endedNormally(err error) bool {
	return errors.Is(err, nodeipc.ErrDisconnected) || errors.Is(err, net.ErrClosed)
}

// receive returns the next message for Serve: a per-message error with a nil
// message, or io.EOF-like end (done true, err the failure or nil on a
// normal end).
func receive(ctx context.Context, ch *nodeipc.Channel) (m *nodeipc.Message, perMsg error, done bool, err error) {
	m, err = ch.Recv(ctx)
	if err == nil {
		return m, nil, false, nil
	}
	var pe *nodeipc.ProtocolError
	var he *nodeipc.HandleError
	if errors.As(err, &pe) || errors.As(err, &he) {
		return nil, err, false, nil
	}
	if ctx.Err() != nil || endedNormally(err) {
		return nil, nil, true, nil
	}
	return nil, nil, true, err
}
