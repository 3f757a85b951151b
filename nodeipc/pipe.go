package nodeipc

import (
	"errors"
	"fmt"
)

// Pipe returns two Channels connected to each other in this process, as
// net.Pipe does for net.Conns: each is the other's peer, with Node's wire
// format between them (both ends use the serialization of a, which must
// match b's), handles included, over the platform's own channel object: an
// AF_UNIX stream socketpair on Unix, an overlapped named pipe with libuv's
// frames in both directions on Windows (where New, which takes a
// *net.UnixConn, cannot make one). a configures the first Channel and b the
// second; nil means defaults. It is what package nodeipctest builds its
// Peer on.
//
// The caller owns both Channels and closes both; closing one is that end
// disconnecting (the other sees EOF). Where the platform has no Node IPC
// channel, Pipe returns an error wrapping errors.ErrUnsupported.
func Pipe(a, b *Options) (*Channel, *Channel, error) {
	if err := a.validate(); err != nil {
		return nil, nil, err
	}
	if err := b.validate(); err != nil {
		return nil, nil, err
	}
	if a.withDefaults().Serialization != b.withDefaults().Serialization {
		return nil, nil, errors.New("nodeipc: Pipe: both ends need the same Serialization")
	}
	ta, tb, err := pairTransports()
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("nodeipc: Pipe: %w", err)
	}
	ca, err := newChannel(ta, a)
	if err != nil {
		ta.close()
		tb.close()
		return nil, nil, err
	}
	cb, err := newChannel(tb, b)
	if err != nil {
		ca.Close()
		tb.close()
		return nil, nil, err
	}
	return ca, cb, nil
}
