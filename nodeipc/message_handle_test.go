//go:build unix

package nodeipc_test

import (
	"io"
	"net"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// TestMessageHandleForwards: Message.Handle returns a nodeipc.Handle, so a
// received socket is passed on with SendHandle as it is, no type assertion.
func TestMessageHandleForwards(t *testing.T) {
	a, b := pair(t, nil)
	b2, c := pair(t, nil)
	ctx := ctxT(t)
	_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
	if err := a.SendHandle(ctx, "first hop", server.(nodeipc.Handle), nil); err != nil {
		t.Fatal(err)
	}
	m, err := b.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var h nodeipc.Handle = m.Handle()
	if h == nil {
		t.Fatal("no handle")
	}
	if err := b2.SendHandle(ctx, "second hop", h, nil); err != nil {
		t.Fatal(err)
	}
	m2, err := c.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := m2.Conn()
	if conn == nil {
		t.Fatalf("second hop: %T, want a connection", m2.Handle())
	}
	defer conn.Close()
	go io.WriteString(conn, "hello over two hops")
	buf := make([]byte, 19)
	if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "hello over two hops" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if (&nodeipc.Message{}).Handle() != nil {
		t.Error("a message without a handle: Handle() != nil")
	}
	var _ net.Conn = conn
}
