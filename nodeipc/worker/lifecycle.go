package worker

import (
	"errors"
	"net"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// endedNormally reports whether err is how a channel ends normally: the
// peer disconnected, or this side closed it.
func endedNormally(err error) bool {
	return errors.Is(err, nodeipc.ErrDisconnected) || errors.Is(err, net.ErrClosed)
}

// perMessage reports whether err, yielded by Messages, is about one message
// only (the loop goes on).
func perMessage(err error) bool {
	var pe *nodeipc.ProtocolError
	var he *nodeipc.HandleError
	return errors.As(err, &pe) || errors.As(err, &he)
}
