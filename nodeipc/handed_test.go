//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// httpGet sends a keep-alive GET on c and returns the body and the
// X-Message header.
func httpGet(t testing.TB, c net.Conn, br *bufio.Reader) (string, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), resp.Header.Get("X-Message")
}

type msgKey struct{}

// testHTTPServer answers "hello" with the connection's message in X-Message.
func testHTTPServer() *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if m, _ := r.Context().Value(msgKey{}).(*nodeipc.Message); m != nil {
				w.Header().Set("X-Message", string(m.Raw()))
			}
			io.WriteString(w, "hello")
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, msgKey{}, nodeipc.ConnMessage(c))
		},
	}
}

// TestListenerServesHTTP: sockets and a server handed over before Listen are
// served by net/http with their messages; plain messages stay with Recv;
// the sender's socket list counts the keep-alive connections, NotifyClose
// (Node's server.close()) ends them through OnPeerClose; Shutdown ends the
// Listener, and handles go to Recv again.
func TestListenerServesHTTP(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	const key = "4:127.0.0.1:0"
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
		if err := a.SendHandle(ctx, map[string]int{"socket": i}, server.(*net.TCPConn), &nodeipc.SendHandleOptions{Key: key}); err != nil {
			t.Fatal(err)
		}
		if err := a.Send(ctx, map[string]int{"plain": i}); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, client)
	}
	shared, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	if err := a.SendHandle(ctx, "server", shared.(*net.TCPListener), nil); err != nil {
		t.Fatal(err)
	}
	srv := testHTTPServer()
	ln, err := b.HandedSockets(&nodeipc.HandedSocketsOptions{OnPeerClose: func(string) { srv.SetKeepAlivesEnabled(false) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.HandedSockets(nil); !errors.Is(err, nodeipc.ErrHandedSocketsOpen) {
		t.Fatalf("second HandedSockets: %v, want ErrHandedSocketsOpen", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	for i := 0; i < 3; i++ {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"plain":%d}`, i); string(m.Raw()) != want || m.Handle() != nil {
			t.Fatalf("Recv = %s (handle %T), want %s", m.Raw(), m.Handle(), want)
		}
	}
	for round := 0; round < 3; round++ {
		for i, c := range clients {
			br := bufio.NewReader(c)
			body, msg := httpGet(t, c, br)
			if want := fmt.Sprintf(`{"socket":%d}`, i); body != "hello" || msg != want {
				t.Fatalf("conn %d: %q with message %q, want hello with %s", i, body, msg, want)
			}
		}
	}
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", shared.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		body, msg := httpGet(t, c, bufio.NewReader(c))
		c.Close()
		if body != "hello" || msg != `"server"` {
			t.Fatalf("shared server: %q with %q", body, msg)
		}
	}
	if n, err := a.SocketCount(ctx, key); err != nil || n != 3 {
		t.Fatalf("SocketCount = %d, %v; want 3 idle keep-alive connections", n, err)
	}
	if err := a.NotifyClose(ctx, key); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("client after NotifyClose: %d, %v, want EOF", n, err)
		}
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve = %v", err)
	}
	if st := ln.Stats(); st != (nodeipc.HandedSocketsStats{Conns: 3, Servers: 1}) {
		t.Errorf("Stats = %+v", st)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v", err)
	}
	// Closed: handles reach Recv again, and Listen works again.
	_, _, server := streamPair(t, "tcp", "127.0.0.1:0")
	if err := a.SendHandle(ctx, "after", server.(*net.TCPConn), nil); err != nil {
		t.Fatal(err)
	}
	m := recvHandle(t, ctx, b, nodeipc.TypeSocket, `"after"`)
	_ = m
	ln2, err := b.HandedSockets(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln2.Close()
}

// TestListenerFilter: a Filter leaves the declined handles to Recv.
func TestListenerFilter(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := b.HandedSockets(&nodeipc.HandedSocketsOptions{Filter: func(m *nodeipc.Message) bool { return string(m.Raw()) == `"socket"` }})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, v := range []string{"other", "socket"} {
		_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
		if err := a.SendHandle(ctx, v, server.(*net.TCPConn), nil); err != nil {
			t.Fatal(err)
		}
		io.WriteString(client, v)
	}
	recvHandle(t, ctx, b, nodeipc.TypeSocket, `"other"`)
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := nodeipc.ConnMessage(c); m == nil || string(m.Raw()) != `"socket"` || m.Key() != "" {
		t.Fatalf("accepted the wrong socket: %v", m)
	}
	expectReply(t, c, "", "socket")
	if _, ok := c.(*nodeipc.HandedConn).NetConn().(*net.TCPConn); !ok {
		t.Errorf("NetConn = %T", c.(*nodeipc.HandedConn).NetConn())
	}
}

// TestListenerDisconnect: after the peer disconnects, Accept returns the
// connections already handed over, then an error wrapping net.ErrClosed and
// ErrDisconnected; received servers are closed.
func TestListenerDisconnect(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := b.HandedSockets(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
	if err := a.SendHandle(ctx, "socket", server.(*net.TCPConn), nil); err != nil {
		t.Fatal(err)
	}
	a.Close()
	<-b.Done()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(client, "ping")
	expectReply(t, c, "", "ping")
	c.Close()
	_, err = ln.Accept()
	if !errors.Is(err, net.ErrClosed) || !errors.Is(err, nodeipc.ErrDisconnected) {
		t.Fatalf("Accept after disconnect = %v", err)
	}
	if _, err := b.HandedSockets(nil); err == nil {
		t.Fatal("Listen on a disconnected channel succeeded")
	}
}

// TestListenerBacklog: handed connections beyond Backlog are closed and
// counted; Close closes the ones still waiting.
func TestListenerBacklog(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := b.HandedSockets(&nodeipc.HandedSocketsOptions{Backlog: 1})
	if err != nil {
		t.Fatal(err)
	}
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
		if err := a.SendHandle(ctx, i, server.(*net.TCPConn), nil); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, client)
	}
	if err := a.Send(ctx, "sync"); err != nil {
		t.Fatal(err)
	}
	if m, err := b.Recv(ctx); err != nil || m.String() != `"sync"` {
		t.Fatalf("Recv = %v, %v", m, err)
	}
	if st := ln.Stats(); st != (nodeipc.HandedSocketsStats{Conns: 3, Dropped: 2}) {
		t.Fatalf("Stats = %+v", st)
	}
	ln.Close()
	for i, c := range clients {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("client %d: %v, want EOF", i, err)
		}
	}
}

// TestListenerConcurrentAccept: several goroutines accept from one Listener.
func TestListenerConcurrentAccept(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := b.HandedSockets(nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	got := make(chan string, n)
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					errs <- err
					return
				}
				got <- nodeipc.ConnMessage(c).String()
				c.Close()
			}
		}()
	}
	for i := 0; i < n; i++ {
		_, _, server := streamPair(t, "tcp", "127.0.0.1:0")
		if err := a.SendHandle(ctx, i, server.(*net.TCPConn), nil); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		seen[<-got] = true
	}
	if len(seen) != n {
		t.Fatalf("saw %d distinct connections, want %d", len(seen), n)
	}
	ln.Close()
	for g := 0; g < 4; g++ {
		if err := <-errs; !errors.Is(err, net.ErrClosed) || !strings.Contains(err.Error(), "listener") {
			t.Fatalf("Accept after Close = %v", err)
		}
	}
}

// TestListenerUnixServer: a received Unix-domain server is accepted on and,
// when the Listener closes, closed without removing its path (the sender
// still owns it).
func TestListenerUnixServer(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	path := unixAddr(t)
	uln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer uln.Close()
	ln, err := b.HandedSockets(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SendHandle(ctx, "unix server", uln, nil); err != nil {
		t.Fatal(err)
	}
	uln.SetUnlinkOnClose(false)
	uln.Close() // only the Listener accepts now
	client, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if m := nodeipc.ConnMessage(c); m == nil || m.HandleType() != nodeipc.TypeServer || m.String() != `"unix server"` {
		t.Fatalf("message %v", m)
	}
	io.WriteString(client, "hi")
	expectReply(t, c, "", "hi")
	c.Close()
	ln.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the socket path went with the Listener: %v", err)
	}
	if st := ln.Stats(); st.Servers != 1 {
		t.Errorf("Stats = %+v", st)
	}
}
