//go:build linux

package nodeipc_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// A peer that closes its end with our data unread resets the connection:
// on Linux the next read fails with ECONNRESET. Recv's terminal error keeps
// that cause (errors.Is works), as Send's does.
func TestRecvWrapsConnReset(t *testing.T) {
	ch, peer := rawPeer(t, nil)
	if err := ch.Send(ctxT(t), "unread"); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	_, err := ch.Recv(ctxT(t))
	if !errors.Is(err, nodeipc.ErrDisconnected) || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Recv = %v; want ErrDisconnected wrapping ECONNRESET", err)
	}
	if err := ch.Send(ctxT(t), 1); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Send after = %v", err)
	}
}
