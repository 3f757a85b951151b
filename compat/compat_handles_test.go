//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

func init() {
	helpers["handles-hold"] = helperHandlesHold
	helpers["handles-report"] = helperHandlesReport
	helpers["handles-count"] = helperHandlesCount
}

// TestNodeSendsHandles: a Node parent passes servers, sockets and UDP
// sockets to Go children (go-child serve and the helpers below), on every
// pinned Node. The scenarios are in testdata/node/handles-parent.js.
func TestNodeSendsHandles(t *testing.T) {
	scenarios := []string{
		"server", "shared-server", "socket-tcp", "socket-unix", "priority",
		"socket-closed", "dgram", "socket-list", "order", "many",
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc, func(t *testing.T) {
					node.Run(t, 3*time.Minute, nodetest.Script(t, "handles-parent.js"), sc, goChild, testExe(t))
				})
			}
		})
	}
}

// TestNodeSendsHandlesAdvanced runs the same scenarios over
// serialization: 'advanced' (all but "order", whose helper reports raw JSON).
func TestNodeSendsHandlesAdvanced(t *testing.T) {
	scenarios := []string{
		"server", "shared-server", "socket-tcp", "socket-unix", "priority",
		"socket-closed", "dgram", "socket-list", "many",
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc, func(t *testing.T) {
					cmd := node.Command(t, nodetest.Script(t, "handles-parent.js"), sc, goChild, testExe(t))
					cmd.Env = append(os.Environ(), "NODEIPC_SERIALIZATION=advanced")
					if err := cmd.Run(); err != nil {
						t.Fatalf("%s handles-parent.js %s (advanced): %v", node.Name, sc, err)
					}
				})
			}
		})
	}
}

// helperHandlesHold keeps every socket it receives (after writing "held" to
// it) until the parent sends {close: n}; it reports {held: n} after each
// socket and {closed, held} after each close.
func helperHandlesHold() int {
	var held []net.Conn
	return helperMain("handles-hold", 0, func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if c := m.Conn(); c != nil {
			if _, ok := c.(*nodeipc.TrackedConn); !ok {
				return fmt.Errorf("socket with key %q is a %T, want a *nodeipc.TrackedConn", m.Key(), c)
			}
			io.WriteString(c, "held")
			held = append(held, c)
			return ch.Send(ctx, map[string]int{"held": len(held)})
		}
		var req struct{ Close int }
		if err := m.Decode(&req); err != nil {
			return err
		}
		for _, c := range held[:req.Close] {
			c.Close()
		}
		held = held[req.Close:]
		return ch.Send(ctx, map[string]int{"closed": req.Close, "held": len(held)})
	})
}

type report struct {
	Got  json.RawMessage `json:"got"`
	Type string          `json:"type"`
	Key  string          `json:"key"`
}

// helperHandlesReport answers every message with {got, type, key}, writes
// "report" to sockets and closes every handle.
func helperHandlesReport() int {
	return helperMain("handles-report", 0, func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if c := m.Conn(); c != nil {
			io.WriteString(c, "report")
		}
		if h, ok := m.Handle().(io.Closer); ok {
			h.Close()
		}
		return ch.Send(ctx, report{Got: m.Raw(), Type: m.HandleType(), Key: m.Key()})
	})
}

// helperHandlesCount closes every handle and counts them; {report: true}
// is answered with {count, fds}: the handles so far and this process's
// open descriptors.
func helperHandlesCount() int {
	count := 0
	return helperMain("handles-count", 0, func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if h := m.Handle(); h != nil {
			count++
			return h.(io.Closer).Close()
		}
		var req struct{ Report bool }
		if err := m.Decode(&req); err != nil || !req.Report {
			return fmt.Errorf("unexpected message %s (handle type %q)", m.Raw(), m.HandleType())
		}
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return err
		}
		return ch.Send(ctx, map[string]int{"count": count, "fds": len(fds)})
	})
}

// TestGoSendsHandles: a Go parent passes servers, sockets and UDP sockets
// to a Node child (testdata/node/handles-child.js), on every pinned Node.
func TestGoSendsHandles(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			t.Run("server", func(t *testing.T) { testGoSendsServer(t, node, "tcp") })
			t.Run("server-unix", func(t *testing.T) { testGoSendsServer(t, node, "unix") })
			t.Run("socket-tcp", func(t *testing.T) { testGoSendsSockets(t, node, "tcp") })
			t.Run("socket-unix", func(t *testing.T) { testGoSendsSockets(t, node, "unix") })
			t.Run("keep-open", func(t *testing.T) { testGoSendsKeepOpen(t, node) })
			t.Run("dgram", func(t *testing.T) { testGoSendsDgram(t, node) })
			t.Run("native", func(t *testing.T) { testGoSendsNative(t, node) })
			t.Run("socket-list", func(t *testing.T) { testGoSocketList(t, node) })
			t.Run("order", func(t *testing.T) { testGoSendsOrder(t, node) })
			t.Run("nack", func(t *testing.T) { testGoNACKedByNode(t, node) })
			t.Run("many", func(t *testing.T) { testGoSendsMany(t, node) })
		})
	}
}

// TestGoSendsHandlesAdvanced repeats the Go-to-Node hand-offs over
// serialization: 'advanced'.
func TestGoSendsHandlesAdvanced(t *testing.T) {
	t.Setenv("NODEIPC_TEST_SERIALIZATION", "advanced")
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			t.Run("server", func(t *testing.T) { testGoSendsServer(t, node, "tcp") })
			t.Run("socket-tcp", func(t *testing.T) { testGoSendsSockets(t, node, "tcp") })
			t.Run("dgram", func(t *testing.T) { testGoSendsDgram(t, node) })
			t.Run("native", func(t *testing.T) { testGoSendsNative(t, node) })
			t.Run("socket-list", func(t *testing.T) { testGoSocketList(t, node) })
			t.Run("order", func(t *testing.T) { testGoSendsOrder(t, node) })
			t.Run("nack", func(t *testing.T) { testGoNACKedByNode(t, node) })
		})
	}
}

// handlesChild is a Go parent's view of handles-child.js.
type handlesChild struct {
	t   *testing.T
	ch  *nodeipc.Channel
	ctx context.Context
}

func startHandlesChild(t *testing.T, node nodetest.Node) *handlesChild {
	t.Helper()
	cmd := node.Command(t, nodetest.Script(t, "handles-child.js"))
	opts := &nodeipc.Options{}
	if os.Getenv("NODEIPC_TEST_SERIALIZATION") == "advanced" {
		opts.Serialization = nodeipc.Advanced
	}
	ch, err := nodeipc.Start(cmd, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ch.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("Node child: %v", err)
		}
	})
	return &handlesChild{t: t, ch: ch, ctx: testCtx(t)}
}

type childReport struct {
	Got    string `json:"got"` // JSON.stringify of the message Node got
	Type   string `json:"type"`
	Closed int    `json:"closed"`
	Held   int    `json:"held"`
	FDs    int    `json:"fds"`
}

// next returns the child's next report.
func (c *handlesChild) next() childReport {
	c.t.Helper()
	m, err := c.ch.Recv(c.ctx)
	if err != nil {
		c.t.Fatalf("Recv: %v", err)
	}
	var r childReport
	if err := m.Decode(&r); err != nil {
		c.t.Fatalf("report %s: %v", m.Raw(), err)
	}
	return r
}

// sendHandle sends h and checks the child's report.
func (c *handlesChild) sendHandle(v any, h nodeipc.Handle, opts *nodeipc.SendHandleOptions, wantType string) {
	c.t.Helper()
	if err := c.ch.SendHandle(c.ctx, v, h, opts); err != nil {
		c.t.Fatalf("SendHandle: %v", err)
	}
	want, _ := json.Marshal(v)
	if r := c.next(); string(r.Got) != string(want) || r.Type != wantType {
		c.t.Fatalf("Node child got %s with a %q, want %s with a %q", r.Got, r.Type, want, wantType)
	}
}

// readAll dials addr and returns what the server writes before closing.
func readAll(t *testing.T, network, addr string) string {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listen returns a listener on network "tcp" (on 127.0.0.1) or "unix" (a
// path in the test's temporary directory), closed when the test ends.
func listen(t *testing.T, network string) net.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = t.TempDir() + "/s.sock"
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// listenUDP returns a udp4 socket on 127.0.0.1, closed when the test ends.
func listenUDP(t *testing.T) *net.UDPConn {
	t.Helper()
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

// dialAccept connects to ln and returns both ends of the connection, closed
// when the test ends (an end the test closed or handed over stays closed).
func dialAccept(t *testing.T, ln net.Listener) (client, server net.Conn) {
	t.Helper()
	client, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

func testGoSendsServer(t *testing.T, node nodetest.Node, network string) {
	c := startHandlesChild(t, node)
	ln := listen(t, network)
	c.sendHandle(map[string]int{"server": 1}, ln.(nodeipc.Handle), nil, "net.Server")
	// Go does not accept: Node answers every connection.
	for i := 0; i < 10; i++ {
		if got := readAll(t, network, ln.Addr().String()); got != "node" {
			t.Fatalf("connection %d: %q, want node", i, got)
		}
	}
	// Now both accept on the shared socket.
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, "go")
			conn.Close()
		}
	}()
	seen := map[string]int{}
	for i := 0; i < 2000 && len(seen) < 2; i++ {
		seen[readAll(t, network, ln.Addr().String())]++
	}
	t.Logf("shared server answers: %v", seen)
	if seen["go"] == 0 || seen["node"] == 0 || len(seen) != 2 {
		t.Errorf("shared server answers %v, want both go and node", seen)
	}
}

func testGoSendsSockets(t *testing.T, node nodetest.Node, network string) {
	c := startHandlesChild(t, node)
	ln := listen(t, network)
	for i := 0; i < 5; i++ {
		client, server := dialAccept(t, ln)
		c.sendHandle(i, server.(nodeipc.Handle), &nodeipc.SendHandleOptions{Key: "4:127.0.0.1:0"}, "net.Socket")
		// Moved: the Go copy is closed, Node writes and closes.
		if _, err := server.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("moved conn still writable: %v", err)
		}
		client.SetDeadline(time.Now().Add(30 * time.Second))
		b, err := io.ReadAll(client)
		client.Close()
		if err != nil || string(b) != "node" {
			t.Fatalf("client read %q, %v; want node then EOF", b, err)
		}
	}
}

func testGoSendsKeepOpen(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	ln := listen(t, "tcp")
	client, server := dialAccept(t, ln)
	c.sendHandle(map[string]bool{"hold": true}, server.(nodeipc.Handle), &nodeipc.SendHandleOptions{KeepOpen: true}, "net.Socket")
	buf := make([]byte, 4)
	client.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "node" {
		t.Fatalf("client read %q, %v", buf, err)
	}
	// Both processes hold the connection.
	if _, err := io.WriteString(server, "go"); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(client, buf[:2]); err != nil || string(buf[:2]) != "go" {
		t.Fatalf("client read %q, %v", buf[:2], err)
	}
}

func testGoSendsDgram(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	u := listenUDP(t)
	addr := u.LocalAddr().(*net.UDPAddr)
	c.sendHandle("udp", u, nil, "dgram.Socket")
	u.Close() // Node's copy keeps working
	client, err := net.DialUDP("udp4", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	buf := make([]byte, 16)
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatal("no UDP answer from Node")
		}
		client.Write([]byte("ping"))
		client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := client.Read(buf)
		if err == nil {
			if string(buf[:n]) != "node" {
				t.Fatalf("UDP answer %q", buf[:n])
			}
			break
		}
	}
}

func testGoSendsNative(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	ln := listen(t, "tcp")
	c.sendHandle("tcp", ln.(nodeipc.Handle), &nodeipc.SendHandleOptions{Native: true}, "TCP")
	u := listenUDP(t)
	c.sendHandle("udp", u, &nodeipc.SendHandleOptions{Native: true}, "UDP")
}

func testGoSocketList(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	ln := listen(t, "tcp")
	const key = "4:127.0.0.1:0"
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		client, server := dialAccept(t, ln)
		clients = append(clients, client)
		c.sendHandle(map[string]bool{"hold": true}, server.(nodeipc.Handle), &nodeipc.SendHandleOptions{Key: key}, "net.Socket")
	}
	// What Node's server.getConnections() would ask the child.
	if n, err := c.ch.SocketCount(c.ctx, key); err != nil || n != 3 {
		t.Fatalf("SocketCount = %d, %v; want 3", n, err)
	}
	// A key Node never received a socket for gets no answer, as between
	// two Node processes.
	short, cancel := context.WithTimeout(c.ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.ch.SocketCount(short, "4:127.0.0.1:1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SocketCount(unknown key) = %v, want no answer", err)
	}
	if err := c.ch.Send(c.ctx, map[string]int{"closeHeld": 1}); err != nil {
		t.Fatal(err)
	}
	if r := c.next(); r.Closed != 1 || r.Held != 2 {
		t.Fatalf("report %+v", r)
	}
	if n, err := c.ch.SocketCount(c.ctx, key); err != nil || n != 2 {
		t.Fatalf("SocketCount = %d, %v; want 2", n, err)
	}
	// What Node's server.close() would do: wait for the child's sockets.
	closed := make(chan error, 1)
	go func() { closed <- c.ch.NotifyClose(c.ctx, key) }()
	select {
	case err := <-closed:
		t.Fatalf("NotifyClose returned %v while Node holds 2 sockets", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := c.ch.Send(c.ctx, map[string]int{"closeHeld": 2}); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("NotifyClose: %v", err)
	}
	if r := c.next(); r.Closed != 2 || r.Held != 0 {
		t.Fatalf("report %+v", r)
	}
	if n, err := c.ch.SocketCount(c.ctx, key); err != nil || n != 0 {
		t.Fatalf("SocketCount = %d, %v; want 0", n, err)
	}
	if err := c.ch.NotifyClose(c.ctx, key); err != nil { // answered at once now
		t.Fatal(err)
	}
	for _, cl := range clients {
		cl.SetDeadline(time.Now().Add(30 * time.Second))
		if b, err := io.ReadAll(cl); err != nil || string(b) != "node" {
			t.Errorf("client read %q, %v", b, err)
		}
	}
}

func testGoSendsOrder(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	ln := listen(t, "tcp")
	u := listenUDP(t)
	type want struct{ got, typ string }
	var wants []want
	errs := make(chan error, 2)
	seq := 0
	sendAsync := func(h nodeipc.Handle) {
		v := seq
		go func() { errs <- c.ch.SendHandle(c.ctx, map[string]int{"seq": v}, h, nil) }()
		time.Sleep(10 * time.Millisecond) // SendHandle takes its place in the queue
	}
	for _, h := range []nodeipc.Handle{ln.(nodeipc.Handle), u} {
		typ := "net.Server"
		if h == nodeipc.Handle(u) {
			typ = "dgram.Socket"
		}
		sendAsync(h)
		wants = append(wants, want{fmt.Sprintf(`{"seq":%d}`, seq), typ})
		seq++
		for i := 0; i < 50; i++ {
			if err := c.ch.Post(map[string]int{"seq": seq}); err != nil {
				t.Fatal(err)
			}
			wants = append(wants, want{fmt.Sprintf(`{"seq":%d}`, seq), ""})
			seq++
		}
	}
	for i, w := range wants {
		r := c.next()
		if string(r.Got) != w.got || r.Type != w.typ {
			t.Fatalf("report %d: %s with %q, want %s with %q", i, r.Got, r.Type, w.got, w.typ)
		}
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// testGoNACKedByNode: a NODE_HANDLE envelope without a descriptor is NACKed
// and dropped by Node; Go ignores the NACK (nothing was in flight), as Node
// would, and the channel goes on.
func testGoNACKedByNode(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	if err := c.ch.PostInternal("NODE_HANDLE", "type", "net.Socket", "msg", map[string]int{"lost": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.ch.Send(c.ctx, "after"); err != nil {
		t.Fatal(err)
	}
	if r := c.next(); string(r.Got) != `"after"` {
		t.Fatalf("Node child got %s; the NACKed message must be dropped", r.Got)
	}
}

// testGoSendsMany: 1,000 transfers to Node leave the descriptor counts of
// both processes flat.
func testGoSendsMany(t *testing.T, node nodetest.Node) {
	c := startHandlesChild(t, node)
	u := listenUDP(t)
	fds := func() int {
		if err := c.ch.Send(c.ctx, map[string]bool{"fds": true}); err != nil {
			t.Fatal(err)
		}
		return c.next().FDs
	}
	round := func(n int) {
		for i := 0; i < n; i++ {
			if err := c.ch.SendHandle(c.ctx, i, u, &nodeipc.SendHandleOptions{Native: true}); err != nil {
				t.Fatal(err)
			}
			if r := c.next(); r.Type != "UDP" {
				t.Fatalf("report %+v", r)
			}
		}
	}
	round(20)
	nodeBefore, goBefore := fds(), len(openFDs(t))
	round(1000)
	nodeAfter, goAfter := fds(), len(openFDs(t))
	t.Logf("node fds %d -> %d, go fds %d -> %d", nodeBefore, nodeAfter, goBefore, goAfter)
	if nodeAfter > nodeBefore || goAfter > goBefore {
		t.Errorf("descriptors grew: node %d -> %d, go %d -> %d", nodeBefore, nodeAfter, goBefore, goAfter)
	}
}
