//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// denoHeldSocket has the peer send a TCP socket as Deno's parent does
// (socketListKey "socket-list:1", message "hold") and returns the message
// that holds it, its ACK read.
func denoHeldSocket(t *testing.T, ch *nodeipc.Channel, w *wire) *nodeipc.Message {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f, err := server.(*net.TCPConn).File()
	server.Close()
	if err != nil {
		t.Fatal(err)
	}
	w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","nativeKind":"tcp","msg":"hold","socketListKey":"socket-list:1"}`+"\n", int(f.Fd()))
	f.Close()
	w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
	return recvMsg(t, ch, `"hold"`)
}

// TestDenoSocketList: Deno's parent sends a socket with its list key in
// socketListKey and numbers its socket-list queries; the answers repeat
// the number (NODE_SOCKET_COUNT with id, NODE_SOCKET_CLOSE_ACK instead of
// NODE_SOCKET_ALL_CLOSED once the sockets are closed), as Deno's own child
// answers (captured from Deno 2.9.6). Node's form is unchanged.
func TestDenoSocketList(t *testing.T) {
	t.Parallel()
	ch, w := newWire(t, nil)
	m := denoHeldSocket(t, ch, w)
	w.send(`{"cmd":"NODE_SOCKET_GET_COUNT","key":"socket-list:1","id":1}` + "\n")
	w.expectLine(`{"cmd":"NODE_SOCKET_COUNT","key":"socket-list:1","id":1,"count":1}`)
	w.send(`{"cmd":"NODE_SOCKET_GET_COUNT","key":"socket-list:1"}` + "\n")
	w.expectLine(`{"cmd":"NODE_SOCKET_COUNT","key":"socket-list:1","count":1}`)
	w.send(`{"cmd":"NODE_SOCKET_NOTIFY_CLOSE","key":"socket-list:1","id":2}` + "\n")
	w.expectNothing()
	if err := m.Handle().(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	w.expectLine(`{"cmd":"NODE_SOCKET_CLOSE_ACK","key":"socket-list:1","id":2}`)
	w.send(`{"cmd":"NODE_SOCKET_NOTIFY_CLOSE","key":"socket-list:1","id":3}` + "\n")
	w.expectLine(`{"cmd":"NODE_SOCKET_CLOSE_ACK","key":"socket-list:1","id":3}`)
	w.send(`{"cmd":"NODE_SOCKET_NOTIFY_CLOSE","key":"socket-list:1"}` + "\n")
	w.expectLine(`{"cmd":"NODE_SOCKET_ALL_CLOSED","key":"socket-list:1"}`)
}

// TestDenoCloseQueriesBounded: the numbered close queries that wait on one
// key are bounded (64): a query beyond them is answered at once, the ones
// waiting are all answered, in order, when the key's sockets close.
func TestDenoCloseQueriesBounded(t *testing.T) {
	t.Parallel()
	ch, w := newWire(t, nil)
	m := denoHeldSocket(t, ch, w)
	const waiting = 64
	for id := 1; id <= waiting; id++ {
		w.send(fmt.Sprintf(`{"cmd":"NODE_SOCKET_NOTIFY_CLOSE","key":"socket-list:1","id":%d}`+"\n", id))
	}
	w.send(fmt.Sprintf(`{"cmd":"NODE_SOCKET_NOTIFY_CLOSE","key":"socket-list:1","id":%d}`+"\n", waiting+1))
	w.expectLine(fmt.Sprintf(`{"cmd":"NODE_SOCKET_CLOSE_ACK","key":"socket-list:1","id":%d}`, waiting+1))
	w.expectNothing()
	if err := m.Handle().(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	for id := 1; id <= waiting; id++ {
		w.expectLine(fmt.Sprintf(`{"cmd":"NODE_SOCKET_CLOSE_ACK","key":"socket-list:1","id":%d}`, id))
	}
	w.expectNothing()
}
