//go:build windows

package nodeipctest

import (
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// rawConn: a Peer on Windows has no raw access to its pipe.
type rawConn = interface{ Write([]byte) (int, error) }

// WriteRaw returns ErrNoRawSocket on Windows: the Peer's pipe carries
// libuv's frames, written by the channel alone.
func (p *Peer) WriteRaw(b []byte) error { return ErrNoRawSocket }

// pair connects two Channels over a named pipe (nodeipc.Pipe).
func pair(po, wo *nodeipc.Options) (*Peer, *nodeipc.Channel, error) {
	peer, worker, err := nodeipc.Pipe(po, wo)
	if err != nil {
		return nil, nil, err
	}
	return &Peer{Channel: peer}, worker, nil
}
