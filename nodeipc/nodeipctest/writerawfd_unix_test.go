//go:build unix

package nodeipctest_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
)

// TestWriteRawFD: a NODE_HANDLE frame written by hand with a descriptor
// reaches the worker as a socket, and a malformed line before it is a
// per-message error.
func TestWriteRawFD(t *testing.T) {
	peer, worker := nodeipctest.NewPair(t, nil)
	before := nodeipctest.CountFDs()
	a, b := nodeipctest.Socketpair(t)
	f, err := a.File()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.WriteRaw([]byte("{oops\n")); err != nil {
		t.Fatal(err)
	}
	frame := []byte(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":"hand-made"}` + "\n")
	if err := peer.WriteRawFD(frame, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var perr *nodeipc.ProtocolError
	if _, err := worker.Recv(ctx); !errors.As(err, &perr) {
		t.Fatalf("first Recv = %v, want a *nodeipc.ProtocolError", err)
	}
	m, err := worker.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := m.Conn().(*net.UnixConn)
	if !ok || m.String() != `"hand-made"` {
		t.Fatalf("got %v with %T", m, m.Handle())
	}
	go b.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := c.Read(buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v", buf, err)
	}
	c.Close()
	a.Close()
	b.Close()
	if after := nodeipctest.CountFDs(); after > before {
		t.Errorf("descriptors: %d before, %d after", before, after)
	}
}
