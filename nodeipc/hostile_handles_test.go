//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// TestMultiplyWrappedHandle: Node wraps a handle once more each time it
// retransmits it after a NACK (net.Native around the previous envelope, up
// to three retransmissions). Every level is unwrapped, as Node's receiver
// does: one ACK, the innermost type, key and message. A triple wrap used to
// be dropped without an error; past 8 levels the frame is reported.
// Not parallel: it counts the process's descriptors.
func TestMultiplyWrappedHandle(t *testing.T) {
	ctx := ctxT(t)
	ch, peer := rawPeer(t, nil)
	wrap := func(levels int) string {
		env := `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"x":1},"key":"4:127.0.0.1:0"}`
		for i := 1; i < levels; i++ {
			env = `{"cmd":"NODE_HANDLE","type":"net.Native","msg":` + env + `}`
		}
		return env + "\n"
	}
	for _, levels := range []int{3, 4, 8} {
		_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
		sendWithFD(t, peer, wrap(levels), connFD(t, server))
		server.Close()
		if line, _ := readFrame(t, peer); line != `{"cmd":"NODE_HANDLE_ACK"}`+"\n" {
			t.Fatalf("%d levels: reply %q, want one ACK", levels, line)
		}
		m := recvHandle(t, ctx, ch, nodeipc.TypeSocket, `{"x":1}`)
		if m.Key() != "4:127.0.0.1:0" {
			t.Errorf("%d levels: Key = %q", levels, m.Key())
		}
		m.Conn().Write([]byte("ok"))
		expectReply(t, client, "", "ok")
		m.Conn().Close()
	}
	expectNothing(t, peer, 50*time.Millisecond) // one ACK per frame
	before := countFDs(t)
	ln, client, server := streamPair(t, "tcp", "127.0.0.1:0")
	sendWithFD(t, peer, wrap(9), connFD(t, server))
	server.Close()
	client.Close()
	ln.Close()
	readFrame(t, peer) // the ACK: the descriptor arrived
	_, err := ch.Recv(ctx)
	var pe *nodeipc.ProtocolError
	if !errors.As(err, &pe) || !errors.Is(err, nodeipc.ErrMalformedMessage) || !strings.Contains(err.Error(), "wrapped more than 8") {
		t.Fatalf("9 levels: Recv = %v, want a ProtocolError wrapping ErrMalformedMessage", err)
	}
	if n := countFDs(t); n > before {
		t.Errorf("9 levels: %d descriptors open, %d before (the handle was not closed)", n, before)
	}
	peer.Write([]byte("1\n"))
	if m, err := ch.Recv(ctx); err != nil || string(m.Raw()) != "1" {
		t.Fatalf("Recv after the refused frame = %v, %v", m, err)
	}
}

// TestClosedSocketKeysForgotten: a key whose sockets are all closed is
// kept (and answered with 0, as Node does) until 1024 newer keys have gone
// idle; then it is forgotten like a key never seen, so a peer handing over
// sockets with ever new keys no longer grows the worker.
func TestClosedSocketKeysForgotten(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	const keys = 1024 + 8
	for i := 0; i < keys; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SendHandle(ctx, i, c.(*net.TCPConn), &nodeipc.SendHandleOptions{Key: fmt.Sprint("k", i)}); err != nil {
			t.Fatal(err)
		}
		c.Close()
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m.Conn().Close()
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := a.SocketCount(short, "k0"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SocketCount of the oldest idle key = %v, want no answer (forgotten)", err)
	}
	if n, err := a.SocketCount(ctx, fmt.Sprint("k", keys-1)); err != nil || n != 0 {
		t.Errorf("SocketCount of a recent key = %d, %v; want 0", n, err)
	}
}

// TestBadHandleErrorText: the error for a descriptor of the wrong kind
// reads as a sentence.
func TestBadHandleErrorText(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, nil)
	f, err := os.CreateTemp(t.TempDir(), "regular")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sendWithFD(t, peer, `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":1}`+"\n", int(f.Fd()))
	readFrame(t, peer)
	_, err = ch.Recv(ctxT(t))
	if !errors.Is(err, nodeipc.ErrBadHandle) || !strings.Contains(err.Error(), "a descriptor that is not a socket cannot be a net.Socket") {
		t.Errorf("error %q", err)
	}
}
