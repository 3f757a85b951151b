//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
	"github.com/nodeipc/nodeipc-go/nodeipc/v8value"
	"golang.org/x/sys/unix"
)

// traceLog collects trace events as their String, for assertions.
type traceLog struct {
	mu     sync.Mutex
	events []nodeipc.TraceEvent
	lines  []string
}

func (l *traceLog) hook(e nodeipc.TraceEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Frame = slices.Clone(e.Frame)
	l.events = append(l.events, e)
	l.lines = append(l.lines, e.String())
}

func (l *traceLog) snapshot() ([]nodeipc.TraceEvent, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events), slices.Clone(l.lines)
}

// TestTrace: a Go parent with Options.Trace exchanges messages and
// sockets with a real Node child, in both serializations: every frame in
// and out is reported once, with its command, the handle's type, the
// received descriptor, the ACKs both ways, and values printed readably.
func TestTrace(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
			t.Run(node.Name+"/"+mode.String(), func(t *testing.T) {
				var tl traceLog
				cmd := node.Command(t, nodetest.Script(t, "trace-child.js"))
				ch, err := nodeipc.Start(cmd, &nodeipc.Options{Serialization: mode, Trace: tl.hook})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				date := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
				var first any = map[string]int{"a": 1}
				if mode == nodeipc.Advanced {
					first = date
				}
				if err := ch.Send(ctx, first); err != nil {
					t.Fatal(err)
				}
				if _, err := ch.Recv(ctx); err != nil {
					t.Fatal(err)
				}
				// A socket to Node (its ACK comes back), then one from Node
				// (this side ACKs).
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				if err := ch.SendHandle(ctx, map[string]bool{"h": true}, ln.(*net.TCPListener), &nodeipc.SendHandleOptions{KeepOpen: true}); err != nil {
					t.Fatal(err)
				}
				if _, err := ch.Recv(ctx); err != nil { // the echo of {h: true}
					t.Fatal(err)
				}
				if err := ch.Send(ctx, map[string]bool{"socket": true}); err != nil {
					t.Fatal(err)
				}
				m, err := ch.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if m.Conn() == nil {
					t.Fatalf("no socket with %s", m)
				}
				m.Conn().Close()
				ch.Close()
				cmd.Wait()

				events, lines := tl.snapshot()
				var kinds []string
				for _, e := range events {
					k := e.Kind.String()
					if e.Cmd != "" {
						k += " " + e.Cmd
					}
					kinds = append(kinds, k)
				}
				want := []string{
					"sent", "received", // the first message and its echo
					"sent NODE_HANDLE", "received NODE_HANDLE_ACK", "received", // {h: true}
					"sent", "received NODE_HANDLE", "handle", "ack NODE_HANDLE_ACK", // {socket: true}, the socket back
				}
				// Node may ask for the socket list when its server closes.
				kinds = slices.DeleteFunc(kinds, func(k string) bool { return strings.Contains(k, "NODE_SOCKET_") })
				if !slices.Equal(kinds, want) {
					t.Fatalf("events %q, want %q:\n%s", kinds, want, strings.Join(lines, "\n"))
				}
				if mode == nodeipc.Advanced {
					if !strings.Contains(lines[0], "2026-12-04T20:00:00.000Z") {
						t.Errorf("the Date prints as %q", lines[0])
					}
					v, err := events[1].Value()
					if d, ok := v.(*v8value.Date); err != nil || !ok || !d.Time().Equal(date) {
						t.Errorf("the echo decodes to %v, %v", v, err)
					}
				} else if lines[0] != `sent 8B {"a":1}` {
					t.Errorf("first line %q", lines[0])
				}
				if e := events[2]; e.HandleType != "net.Server" || e.Retransmission != 0 {
					t.Errorf("the sent handle: %+v", e)
				}
				if e := events[7]; !strings.Contains(e.Handle, "IPv4 stream socket") {
					t.Errorf("the received handle: %q", e.Handle)
				}
				for _, e := range events {
					if e.Time.IsZero() || e.Serialization != mode || (e.Kind != nodeipc.TraceHandle && e.Size == 0) {
						t.Errorf("event %+v", e)
					}
				}
			})
		}
	}
}

// TestTraceRetransmission: a NACKed handle is sent again and reported as
// a retransmission. No Node sends a NACK for a handle that came with its
// descriptor, so the peer here is a raw socket.
func TestTraceRetransmission(t *testing.T) {
	a, b := nodeipctest.Socketpair(t)
	var tl traceLog
	ch, err := nodeipc.New(a, &nodeipc.Options{Trace: tl.hook})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		done <- ch.SendHandle(context.Background(), "x", ln.(*net.TCPListener), &nodeipc.SendHandleOptions{KeepOpen: true})
	}()
	readFrame := func() {
		buf := make([]byte, 4096)
		oob := make([]byte, 64)
		n, oobn, _, _, err := b.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 || oobn == 0 {
			t.Fatalf("reading the handle frame: %d bytes, %d control, %v", n, oobn, err)
		}
		closeRights(t, oob[:oobn])
	}
	readFrame()
	b.Write([]byte(`{"cmd":"NODE_HANDLE_NACK"}` + "\n"))
	readFrame()
	b.Write([]byte(`{"cmd":"NODE_HANDLE_ACK"}` + "\n"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	events, lines := tl.snapshot()
	var got []string
	for _, e := range events {
		got = append(got, e.String())
	}
	if len(events) != 4 || events[0].Retransmission != 0 || events[2].Retransmission != 1 ||
		events[1].Cmd != "NODE_HANDLE_NACK" || events[3].Cmd != "NODE_HANDLE_ACK" ||
		!strings.Contains(lines[2], "NODE_HANDLE net.Server (retransmission 1)") {
		t.Fatalf("events:\n%s", strings.Join(got, "\n"))
	}
}

func closeRights(t *testing.T, oob []byte) {
	t.Helper()
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		fds, _ := unix.ParseUnixRights(&msgs[i])
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
}
