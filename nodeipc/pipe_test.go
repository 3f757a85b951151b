//go:build unix || windows

package nodeipc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// TestPipe drives both ends of nodeipc.Pipe (a socketpair on Unix, a named
// pipe with libuv's frames on Windows, where the wine suite runs it): 1,000
// messages each way in order, a 1 MiB message (several frames' worth on
// Windows), a listening socket and a connection handed across and served,
// and a close seen by the other end as the disconnect.
func TestPipe(t *testing.T) {
	for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
		t.Run(mode.String(), func(t *testing.T) {
			a, b, ctx := pipePair(t, &nodeipc.Options{Serialization: mode}, &nodeipc.Options{Serialization: mode})
			for _, dir := range [][2]*nodeipc.Channel{{a, b}, {b, a}} {
				from, to := dir[0], dir[1]
				go func() {
					for i := range 1000 {
						from.Post(map[string]int{"i": i})
					}
				}()
				for i := range 1000 {
					m, err := to.Recv(ctx)
					if err != nil {
						t.Fatal(err)
					}
					var got struct{ I int }
					if err := m.Decode(&got); err != nil || got.I != i {
						t.Fatalf("message %d: %v, %v", i, m, err)
					}
				}
			}
			big := strings.Repeat("x", 1<<20)
			go a.Send(ctx, big)
			m, err := b.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var s string
			if err := m.Decode(&s); err != nil || s != big {
				t.Fatalf("1 MiB message: %d bytes, %v", len(s), err)
			}

			// A listening socket, then a connection accepted on it.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			if err := a.SendHandle(ctx, "server", ln.(*net.TCPListener), nil); err != nil {
				t.Fatal(err)
			}
			ln.Close() // a sent server stays open on the sending side, as in Node
			m, err = b.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			l := m.Listener()
			if l == nil {
				t.Fatalf("got %v with %T, want a listener", m, m.Handle())
			}
			go func() {
				if c, err := l.Accept(); err == nil {
					c.Write([]byte("from the received listener"))
					c.Close()
				}
			}()
			if got := dialRead(t, addr); got != "from the received listener" {
				t.Fatalf("read %q", got)
			}
			l.Close()

			ln2, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln2.Close()
			read := make(chan string, 1)
			go func() { read <- dialRead(t, ln2.Addr().String()) }()
			c, err := ln2.Accept()
			if err != nil {
				t.Fatal(err)
			}
			if err := b.SendHandle(ctx, "socket", c.(*net.TCPConn), nil); err != nil {
				t.Fatal(err)
			}
			m, err = a.Recv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conn := m.Conn()
			if conn == nil {
				t.Fatalf("got %v with %T, want a connection", m, m.Handle())
			}
			conn.Write([]byte("from the received connection"))
			conn.Close()
			if got := <-read; got != "from the received connection" {
				t.Fatalf("read %q", got)
			}

			// Closing one end is its disconnect.
			a.Close()
			if _, err := b.Recv(ctx); !errors.Is(err, nodeipc.ErrDisconnected) {
				t.Fatalf("Recv after the peer closed = %v, want ErrDisconnected", err)
			}
		})
	}
}

// dialRead connects to addr and returns everything read until EOF.
func dialRead(t *testing.T, addr string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var buf bytes.Buffer
	io.Copy(&buf, c)
	return buf.String()
}

// pipePair returns two Channels connected by Pipe, closed when the test
// ends, and a context that bounds the test's waits.
func pipePair(t *testing.T, aOpts, bOpts *nodeipc.Options) (a, b *nodeipc.Channel, ctx context.Context) {
	t.Helper()
	a, b, err := nodeipc.Pipe(aOpts, bOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return a, b, ctx
}

func TestPipeSerializationMismatch(t *testing.T) {
	if _, _, err := nodeipc.Pipe(&nodeipc.Options{Serialization: nodeipc.Advanced}, nil); err == nil {
		t.Fatal("Pipe with two serializations succeeded")
	}
}

// Two Channels connected in process: what one sends, the other receives.
func ExamplePipe() {
	a, b, err := nodeipc.Pipe(nil, nil)
	if err != nil {
		panic(err)
	}
	defer b.Close()
	ctx := context.Background()
	a.Send(ctx, map[string]int{"n": 7})
	m, _ := b.Recv(ctx)
	fmt.Println(m)
	a.Close() // the other end sees the disconnect
	_, err = b.Recv(ctx)
	fmt.Println(errors.Is(err, nodeipc.ErrDisconnected))
	// Output:
	// {"n":7}
	// true
}
