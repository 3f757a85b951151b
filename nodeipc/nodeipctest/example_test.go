//go:build unix || windows

package nodeipctest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
)

// square is a worker under test: it answers {"n":N} with {"square":N*N}
// until the parent disconnects.
func square(ctx context.Context, ch *nodeipc.Channel) error {
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return nil
		}
		var perr *nodeipc.ProtocolError
		if errors.As(err, &perr) {
			continue // one bad message: keep serving
		}
		if err != nil {
			return err
		}
		var job struct{ N int }
		if err := m.Decode(&job); err != nil {
			continue
		}
		if err := ch.Send(ctx, map[string]int{"square": job.N * job.N}); err != nil {
			return err
		}
	}
}

// A worker tested without Node: the Peer sends what Node's child.send()
// would, including a line Node never writes, and disconnects.
func Example() {
	peer, worker, err := nodeipctest.Pair(nil) // in a test: NewPair(t, nil)
	if err != nil {
		panic(err)
	}
	defer worker.Close()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- square(ctx, worker) }()

	peer.WriteRaw([]byte("not json\n")) // the worker skips it
	peer.Send(ctx, map[string]int{"n": 7})
	m, _ := peer.Recv(ctx)
	fmt.Println(m)
	peer.Close() // Node's child.disconnect()
	fmt.Println("worker returned:", <-done)
	// Output:
	// {"square":49}
	// worker returned: <nil>
}

// A socket handed to the worker arrives with its message, as Node's
// child.send('socket', socket) delivers it.
func ExamplePeer_SendHandle() {
	peer, worker, err := nodeipctest.Pair(nil)
	if err != nil {
		panic(err)
	}
	defer peer.Close()
	defer worker.Close()
	ctx := context.Background()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	read := make(chan string)
	go func() {
		c, _ := net.Dial("tcp", ln.Addr().String())
		defer c.Close()
		b, _ := io.ReadAll(c)
		read <- string(b)
	}()
	conn, _ := ln.Accept()
	peer.SendHandle(ctx, "socket", conn.(*net.TCPConn), nil) // moved: closed here once acknowledged

	m, _ := worker.Recv(ctx)
	fmt.Println("message:", m, "type:", m.HandleType())
	m.Conn().Write([]byte("hi from Go"))
	m.Conn().Close()
	fmt.Printf("client read %q\n", <-read)
	// Output:
	// message: "socket" type: net.Socket
	// client read "hi from Go"
}
