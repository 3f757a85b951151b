//go:build unix

package nodeipctest

import (
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/testsock"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// rawConn is the Peer's second handle on its socket.
type rawConn = *net.UnixConn

// WriteRaw writes b to the socket as it is: no framing, no validation.
func (p *Peer) WriteRaw(b []byte) error {
	if p.raw == nil {
		return ErrNoRawSocket
	}
	_, err := p.raw.Write(b)
	return err
}

// WriteRawFD writes b with f's descriptor attached (SCM_RIGHTS on the
// first byte), as Node sends a handle: b is usually a NODE_HANDLE frame.
// f stays the caller's; the receiver gets its own duplicate.
func (p *Peer) WriteRawFD(b []byte, f *os.File) error {
	if p.raw == nil {
		return ErrNoRawSocket
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var oob []byte
	if err := rc.Control(func(fd uintptr) { oob = syscall.UnixRights(int(fd)) }); err != nil {
		return err
	}
	n, _, err := p.raw.WriteMsgUnix(b, oob, nil)
	if err == nil && n < len(b) {
		_, err = p.raw.Write(b[n:])
	}
	return err
}

// pair connects two Channels over a socketpair and keeps a second
// descriptor of the peer's end for raw writes.
func pair(po, wo *nodeipc.Options) (*Peer, *nodeipc.Channel, error) {
	a, b, err := testsock.Pair()
	if err != nil {
		return nil, nil, err
	}
	rawPeer, err := dup(a)
	if err != nil {
		a.Close()
		b.Close()
		return nil, nil, err
	}
	peer, err := nodeipc.New(a, po)
	if err != nil {
		rawPeer.Close()
		a.Close()
		b.Close()
		return nil, nil, err
	}
	// The raw descriptor must not outlive the channel: the worker sees EOF
	// (Node's disconnect) only once every descriptor of this end is closed.
	go func() { <-peer.Done(); rawPeer.Close() }()
	worker, err := nodeipc.New(b, wo)
	if err != nil {
		peer.Close()
		b.Close()
		return nil, nil, err
	}
	return &Peer{Channel: peer, raw: rawPeer}, worker, nil
}

// dup returns a second *net.UnixConn on c's socket, for raw writes beside
// the Channel that owns c.
func dup(c *net.UnixConn) (*net.UnixConn, error) {
	f, err := c.File()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fc, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	return fc.(*net.UnixConn), nil
}

// Socketpair returns both ends of an AF_UNIX stream socketpair, the socket
// type of a Node channel on Unix, closed when the test ends.
func Socketpair(tb testing.TB) (*net.UnixConn, *net.UnixConn) {
	tb.Helper()
	a, b, err := testsock.Pair()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}
