//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"golang.org/x/sys/unix"
)

// Malformed and hostile input from the peer, one row per case. Each row
// asserts the exact typed error and the channel state after it: usable
// (proved by a following valid message) or closed (and what Recv, Err and
// Send report then). TestMain checks that no goroutine or descriptor
// survives.
//
// For advanced mode (when the V8 codec is wired in) the same table should
// grow rows for: a zero-length frame, a serializer header version other
// than 13-15, a truncated V8 value inside a complete frame (per-message
// *ProtocolError, usable), a length prefix over MaxMessageSize (fatal
// ErrMessageTooLarge, decided from the 4-byte prefix before any buffer of
// that size is allocated), and EOF inside a frame (ErrDisconnected). For
// cluster: a NODE_CLUSTER newconn without its fd is NACKed and never
// reaches OnInternalMessage (docs/PROTOCOL.md §7).

// wire is the raw peer of a Channel under test.
type wire struct {
	t    *testing.T
	conn *net.UnixConn
	r    *bufio.Reader
}

// send writes s in one sendmsg, with the given descriptors attached.
func (w *wire) send(s string, fds ...int) {
	w.t.Helper()
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	// WriteMsgUnix may write less than asked (one sendmsg); the rest
	// follows without the descriptors, as libuv does.
	n, _, err := w.conn.WriteMsgUnix([]byte(s), oob, nil)
	if err == nil && n < len(s) {
		_, err = w.conn.Write([]byte(s[n:]))
	}
	if err != nil {
		w.t.Fatalf("peer write: %v", err)
	}
}

// expectLine reads the next line the Channel wrote.
func (w *wire) expectLine(want string) {
	w.t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := w.r.ReadString('\n')
	if err != nil || line != want+"\n" {
		w.t.Fatalf("channel wrote %q (%v), want %q", line, err, want+"\n")
	}
}

// expectNothing checks that the Channel wrote nothing more (within 50 ms).
func (w *wire) expectNothing() {
	w.t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if line, err := w.r.ReadString('\n'); err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		w.t.Fatalf("channel wrote %q (%v), want nothing", line, err)
	}
}

func newWire(t *testing.T, opts *nodeipc.Options) (*nodeipc.Channel, *wire) {
	ch, peer := rawPeer(t, opts)
	return ch, &wire{t: t, conn: peer, r: bufio.NewReader(peer)}
}

func recvMsg(t *testing.T, ch *nodeipc.Channel, raw string) *nodeipc.Message {
	t.Helper()
	m, err := ch.Recv(ctxT(t))
	if err != nil {
		t.Fatalf("Recv: %v, want message %s", err, raw)
	}
	if string(m.Raw()) != raw {
		t.Fatalf("Recv: message %q, want %q", m.Raw(), raw)
	}
	return m
}

// recvProtocolError expects a *ProtocolError with op wrapping sentinel.
func recvProtocolError(t *testing.T, ch *nodeipc.Channel, op string, sentinel error) *nodeipc.ProtocolError {
	t.Helper()
	m, err := ch.Recv(ctxT(t))
	var pe *nodeipc.ProtocolError
	if m != nil || !errors.As(err, &pe) || !errors.Is(err, sentinel) || pe.Op != op {
		t.Fatalf("Recv = %v, %v; want *ProtocolError{Op: %q} wrapping %v", m, err, op, sentinel)
	}
	return pe
}

func recvHandleError(t *testing.T, ch *nodeipc.Channel, typ, raw string) *nodeipc.HandleError {
	t.Helper()
	m, err := ch.Recv(ctxT(t))
	var he *nodeipc.HandleError
	if m != nil || !errors.As(err, &he) || !errors.Is(err, nodeipc.ErrBadHandle) {
		t.Fatalf("Recv = %v, %v; want *HandleError wrapping ErrBadHandle", m, err)
	}
	if he.Type != typ || he.Message == nil || string(he.Message.Raw()) != raw || he.Message.Handle() != nil {
		t.Fatalf("HandleError %+v: want Type %q, Message %s without handle", he, typ, raw)
	}
	return he
}

// usable proves the channel still works both ways.
func usable(t *testing.T, ch *nodeipc.Channel, w *wire) {
	t.Helper()
	w.send(`{"still":"usable"}` + "\n")
	recvMsg(t, ch, `{"still":"usable"}`)
	if err := ch.Send(ctxT(t), "pong"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	w.expectLine(`"pong"`)
	if !ch.Connected() || ch.Err() != nil {
		t.Fatalf("Connected %v, Err %v; want connected", ch.Connected(), ch.Err())
	}
}

// closedWith checks the state of a channel that ended with sentinel.
func closedWith(t *testing.T, ch *nodeipc.Channel, sentinel error) {
	t.Helper()
	select {
	case <-ch.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed")
	}
	if ch.Connected() || !errors.Is(ch.Err(), sentinel) {
		t.Fatalf("Connected %v, Err %v; want closed with %v", ch.Connected(), ch.Err(), sentinel)
	}
	for i := 0; i < 2; i++ { // the terminal error is sticky
		if m, err := ch.Recv(ctxT(t)); m != nil || !errors.Is(err, sentinel) {
			t.Fatalf("Recv after the end = %v, %v; want %v", m, err, sentinel)
		}
	}
	if err := ch.Send(ctxT(t), 1); !errors.Is(err, sentinel) {
		t.Fatalf("Send after the end: %v, want %v", err, sentinel)
	}
}

// pipeFiles returns a pipe; both ends are closed when the test ends
// (closing an *os.File twice is harmless, unlike closing a descriptor
// number twice while other tests open descriptors).
func pipeFiles(t *testing.T) (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// readerGone reports whether every copy of a pipe's read end is closed: a
// write to the write end then fails with EPIPE.
func readerGone(wfd int) bool {
	_, err := unix.Write(wfd, []byte{0})
	return errors.Is(err, syscall.EPIPE)
}

// waitReaderGone waits until the read end of the pipe is closed everywhere.
func waitReaderGone(t *testing.T, wfd int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !readerGone(wfd) {
		if time.Now().After(deadline) {
			t.Fatal("received descriptor still open")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tcpConnFD returns a connected TCP socket's descriptor (a duplicate, closed
// when the test ends) and the listener side connection.
func tcpConnFD(t *testing.T) (int, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.(*net.TCPConn).File()
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); s.Close() })
	return int(f.Fd()), s
}

func TestMalformedInput(t *testing.T) {
	rows := []struct {
		name string
		opts *nodeipc.Options
		run  func(t *testing.T, ch *nodeipc.Channel, w *wire)
	}{{
		// Node: uncaught SyntaxError in the read callback, the process dies.
		// Go: the line is reported, the channel goes on.
		name: "non-JSON line",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("{\"a\":1}\nnot json\n{\"b\":2}\n")
			recvMsg(t, ch, `{"a":1}`)
			pe := recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			if string(pe.Data) != "not json" {
				t.Errorf("ProtocolError.Data = %q", pe.Data)
			}
			recvMsg(t, ch, `{"b":2}`)
			usable(t, ch, w)
		},
	}, {
		name: "empty line",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("{\"a\":1}\n\n\r\n{\"b\":2}\n")
			recvMsg(t, ch, `{"a":1}`)
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage) // "\r" alone is not JSON either
			recvMsg(t, ch, `{"b":2}`)
			usable(t, ch, w)
		},
	}, {
		// Node's reader is a StringDecoder: ill-formed UTF-8 becomes U+FFFD
		// (one per maximal subpart) before JSON.parse, so the message is
		// delivered. We do the same to the text, so Raw is what Node's
		// JSON.parse saw and Decode yields what Node's listener gets
		// (expected strings observed with Node 18-26's StringDecoder).
		name: "invalid UTF-8",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			cases := []struct{ wire, want string }{
				{"\"a\xffb\"", "a\uFFFDb"},
				{"\"a\xe2\x82b\"", "a\uFFFDb"},             // truncated 3-byte sequence: one U+FFFD
				{"\"\xed\xa0\x80\"", "\uFFFD\uFFFD\uFFFD"}, // encoded surrogate: three
				{"\"\xf0\x9f\x98\"", "\uFFFD"},             // truncated 4-byte sequence: one
				{"\"\xc0\xaf\"", "\uFFFD\uFFFD"},           // overlong
			}
			for _, c := range cases {
				w.send(c.wire + "\n")
			}
			for _, c := range cases {
				m, err := ch.Recv(ctxT(t))
				if err != nil {
					t.Fatalf("%q: Recv: %v", c.wire, err)
				}
				var s string
				if err := m.Decode(&s); err != nil || s != c.want {
					t.Errorf("%q: Decode = %q, %v; want %q", c.wire, s, err, c.want)
				}
				if want := `"` + c.want + `"`; string(m.Raw()) != want {
					t.Errorf("%q: Raw = %q, want %q", c.wire, m.Raw(), want)
				}
			}
			// Outside a string the replacement makes the line invalid JSON,
			// as in Node.
			w.send("[1,\xff]\n")
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			usable(t, ch, w)
		},
	}, {
		// V8's JSON.parse has no nesting limit and Node 26's stringify
		// emits values nested far deeper than the 10,000 levels Go's JSON
		// decoders accept: such a line is delivered (Raw intact), only
		// Decode refuses it.
		name: "nesting deeper than 10,000",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			deep := strings.Repeat("[", 50000) + strings.Repeat("]", 50000)
			obj := `{"cmd":"NODE_X","text":"NODE_","v":` + deep + `}`
			w.send(deep + "\n" + obj + "\n" + strings.Repeat("[", 50000) + "\n")
			m := recvMsg(t, ch, deep)
			var v any
			if err := m.Decode(&v); err == nil {
				t.Errorf("Decode of a 50,000-deep value succeeded")
			}
			// Its cmd is read from the top level alone, however deep the
			// rest: internal, as in Node, so it is not delivered.
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			if err := ch.SendRaw(ctxT(t), []byte(deep)); err != nil {
				t.Fatalf("SendRaw of a deep value: %v", err)
			}
			w.expectLine(deep)
			usable(t, ch, w)
		},
	}, {
		name: "line over MaxMessageSize",
		opts: &nodeipc.Options{MaxMessageSize: 64},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("{\"a\":1}\n{\"b\":2}\n" + strings.Repeat("x", 65) + "\n{\"c\":3}\n")
			recvMsg(t, ch, `{"a":1}`)
			recvMsg(t, ch, `{"b":2}`)
			closedWith(t, ch, nodeipc.ErrMessageTooLarge)
		},
	}, {
		// Without a newline the limit is hit as soon as more than
		// MaxMessageSize bytes of the line are buffered.
		name: "unterminated line over MaxMessageSize",
		opts: &nodeipc.Options{MaxMessageSize: 64},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("{\"a\":1}\n" + strings.Repeat("y", 100))
			recvMsg(t, ch, `{"a":1}`)
			closedWith(t, ch, nodeipc.ErrMessageTooLarge)
		},
	}, {
		name: "line of exactly MaxMessageSize",
		opts: &nodeipc.Options{MaxMessageSize: 64},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			s := `"` + strings.Repeat("z", 62) + `"`
			w.send(s + "\n")
			recvMsg(t, ch, s)
			usable(t, ch, w)
		},
	}, {
		name: "truncated line then EOF",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("{\"a\":1}\n{\"b\":")
			w.conn.CloseWrite()
			recvMsg(t, ch, `{"a":1}`)
			closedWith(t, ch, nodeipc.ErrDisconnected)
			if !strings.Contains(ch.Err().Error(), "EOF inside a message") {
				t.Errorf("Err = %v, want EOF inside a message", ch.Err())
			}
		},
	}, {
		// Node ignores an answer nobody waits for; so does Go (it counts
		// them), and Recv sees nothing of them.
		name: "unsolicited ACK and NACK",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("{\"cmd\":\"NODE_HANDLE_ACK\"}\n{\"cmd\":\"NODE_HANDLE_NACK\"}\n")
			w.expectNothing()
			usable(t, ch, w)
			if n := nodeipc.UnsolicitedAcksForTest(ch); n != 2 {
				t.Errorf("%d unsolicited answers counted, want 2", n)
			}
		},
	}, {
		// As Node: NACK, and the message is dropped (reported here).
		name: "NODE_HANDLE without its fd",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"x":1}}` + "\n")
			w.expectLine(`{"cmd":"NODE_HANDLE_NACK"}`)
			pe := recvProtocolError(t, ch, "handle", nodeipc.ErrMissingHandle)
			if !strings.Contains(string(pe.Data), `"x":1`) {
				t.Errorf("ProtocolError.Data = %q", pe.Data)
			}
			usable(t, ch, w)
		},
	}, {
		name: "NODE_HANDLE with fd but without msg",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			rf, wf := pipeFiles(t)
			r, wfd := int(rf.Fd()), int(wf.Fd())
			w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket"}`+"\n", r)
			rf.Close()
			w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
			recvProtocolError(t, ch, "handle", nodeipc.ErrMalformedMessage)
			waitReaderGone(t, wfd)
			usable(t, ch, w)
		},
	}, {
		// An fd riding on a plain message is kept, as in Node, for the next
		// NODE_HANDLE; never claimed, it is closed by Close.
		name: "fd with no handle message",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			rf, wf := pipeFiles(t)
			r, wfd := int(rf.Fd()), int(wf.Fd())
			w.send(`{"plain":1}`+"\n", r)
			rf.Close()
			if m := recvMsg(t, ch, `{"plain":1}`); m.Handle() != nil {
				t.Errorf("plain message got a handle")
			}
			usable(t, ch, w)
			if readerGone(wfd) {
				t.Fatal("unclaimed fd closed before Close")
			}
			if err := ch.Close(); err != nil {
				t.Fatal(err)
			}
			waitReaderGone(t, wfd)
		},
	}, {
		name: "fd with a truncated message then EOF",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			rf, wf := pipeFiles(t)
			r, wfd := int(rf.Fd()), int(wf.Fd())
			w.send(`{"cmd":"NODE_HAN`, r)
			rf.Close()
			w.conn.CloseWrite()
			closedWith(t, ch, nodeipc.ErrDisconnected)
			ch.Close()
			waitReaderGone(t, wfd)
		},
	}, {
		// Node's policy (§5.4): the first fd goes with the message, the
		// next one to the next NODE_HANDLE, even one that arrives later
		// without an fd of its own.
		name: "several fds on one message",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			fd1, peer1 := tcpConnFD(t)
			fd2, peer2 := tcpConnFD(t)
			w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"n":1}}`+"\n", fd1, fd2)
			w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
			m1 := recvMsg(t, ch, `{"n":1}`)
			w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"n":2}}` + "\n")
			w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
			m2 := recvMsg(t, ch, `{"n":2}`)
			for i, c := range []struct {
				m    *nodeipc.Message
				peer net.Conn
			}{{m1, peer1}, {m2, peer2}} {
				conn := c.m.Conn()
				if conn == nil {
					t.Fatalf("message %d: no conn (%T)", i+1, c.m.Handle())
				}
				// The right socket went with the right message.
				fmt.Fprintf(c.peer, "hello %d\n", i+1)
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err != nil || line != fmt.Sprintf("hello %d\n", i+1) {
					t.Errorf("message %d's socket read %q, %v", i+1, line, err)
				}
				conn.Close()
			}
			// No fd left: the third one is NACKed.
			w.send(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"n":3}}` + "\n")
			w.expectLine(`{"cmd":"NODE_HANDLE_NACK"}`)
			recvProtocolError(t, ch, "handle", nodeipc.ErrMissingHandle)
			usable(t, ch, w)
		},
	}, {
		// Node aborts on a regular file and accepts a pipe as a Pipe;
		// here the fd is closed and the message comes back in a
		// *HandleError. The ACK has gone out (the fd did arrive).
		name: "fd kind does not match type",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			file, err := os.CreateTemp(t.TempDir(), "regular")
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			prf, pwf := pipeFiles(t)
			pr, pw := int(prf.Fd()), int(pwf.Fd())
			dg, err := nodeipc.SocketpairForTest(unix.SOCK_DGRAM)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(dg[1])
			for _, c := range []struct {
				name, typ string
				fd        int
			}{
				{"regular file", "net.Socket", int(file.Fd())},
				{"pipe", "net.Socket", pr},
				{"AF_UNIX datagram socket", "net.Socket", dg[0]},
				{"AF_UNIX datagram socket", "dgram.Socket", dg[0]},
				{"pipe", "net.Server", pr},
				{"pipe", "net.Native", pr},
			} {
				raw := fmt.Sprintf(`{"kind":%q,"as":%q}`, c.name, c.typ)
				w.send(fmt.Sprintf(`{"cmd":"NODE_HANDLE","type":%q,"msg":%s}`+"\n", c.typ, raw), c.fd)
				w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
				recvHandleError(t, ch, c.typ, raw)
			}
			prf.Close()
			unix.Close(dg[0])
			waitReaderGone(t, pw) // the channel's copy of the pipe is closed
			usable(t, ch, w)
		},
	}, {
		name: "unknown handle type",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			fd, _ := tcpConnFD(t)
			w.send(`{"cmd":"NODE_HANDLE","type":"net.Bogus","msg":{"u":1}}`+"\n", fd)
			w.expectLine(`{"cmd":"NODE_HANDLE_ACK"}`)
			he := recvHandleError(t, ch, "net.Bogus", `{"u":1}`)
			if !strings.Contains(he.Error(), "unknown handle type") {
				t.Errorf("HandleError: %v", he)
			}
			usable(t, ch, w)
		},
	}, {
		// 250 fds (near the kernel's SCM_MAX_FD of 253) in one sendmsg:
		// the kernel hands over what fits in MaxFDsPerRead slots, closes the
		// rest and flags MSG_CTRUNC.
		name: "fd flood",
		opts: &nodeipc.Options{MaxFDsPerRead: 4},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			rf, wf := pipeFiles(t)
			r, wfd := int(rf.Fd()), int(wf.Fd())
			fds := make([]int, 250)
			for i := range fds {
				d, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				fds[i] = d
			}
			w.send(`{"flood":1}`+"\n", fds...)
			for _, d := range fds {
				unix.Close(d)
			}
			rf.Close()
			recvProtocolError(t, ch, "recvmsg", nodeipc.ErrControlTruncated)
			recvMsg(t, ch, `{"flood":1}`)
			if n := pipeCopies(t, wfd); n != 1+4 {
				t.Errorf("%d descriptors of the pipe open, want 5 (ours and the 4 kept)", n)
			}
			usable(t, ch, w)
			ch.Close()
			waitReaderGone(t, wfd)
		},
	}, {
		// Several floods, each under the per-read limit: surplus fds
		// beyond MaxFDsPerRead waiting for a NODE_HANDLE are closed.
		name: "fds accumulating over reads",
		opts: &nodeipc.Options{MaxFDsPerRead: 4},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			rf, wf := pipeFiles(t)
			r, wfd := int(rf.Fd()), int(wf.Fd())
			for i := 0; i < 3; i++ {
				w.send(fmt.Sprintf(`{"batch":%d}`+"\n", i), r, r, r)
				recvMsg(t, ch, fmt.Sprintf(`{"batch":%d}`, i))
				if i > 0 { // 3 waiting, then 6 (2 closed), then 7 (3 closed)
					recvProtocolError(t, ch, "recvmsg", nodeipc.ErrBadHandle)
				}
				if n := pipeCopies(t, wfd); n != 2+min(3*(i+1), 4) {
					t.Errorf("batch %d: %d descriptors of the pipe open, want ours and %d kept", i, n, min(3*(i+1), 4))
				}
			}
			rf.Close()
			usable(t, ch, w)
			ch.Close()
			waitReaderGone(t, wfd)
		},
	}, {
		// A full queue is back-pressure: the channel stays open and
		// nothing is lost or reordered.
		name: "MaxQueuedMessages reached",
		opts: &nodeipc.Options{MaxQueuedMessages: 3},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("1\n2\n3\n4\n5\n")
			for _, want := range []string{"1", "2", "3", "4", "5"} {
				recvMsg(t, ch, want)
			}
			if !ch.Connected() {
				t.Fatalf("channel ended: %v", ch.Err())
			}
		},
	}, {
		// Per-message errors count against the bound too, and are held
		// back the same way.
		name: "MaxQueuedMessages reached with errors",
		opts: &nodeipc.Options{MaxQueuedMessages: 2},
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			w.send("x\ny\nz\n1\n")
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			recvProtocolError(t, ch, "parse", nodeipc.ErrMalformedMessage)
			recvMsg(t, ch, "1")
			if !ch.Connected() {
				t.Fatalf("channel ended: %v", ch.Err())
			}
		},
	}, {
		// A peer that sends NODE_HANDLE after NODE_HANDLE without ever
		// reading our NACKs would make the unwritten answers grow with its
		// input; past 1024 the channel ends instead.
		name: "handle messages without reading the answers",
		run: func(t *testing.T, ch *nodeipc.Channel, w *wire) {
			line := `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":0}` + "\n"
			block := strings.Repeat(line, 1000)
			go func() {
				for i := 0; i < 200; i++ { // 200,000 NACKs owed: far more than a socket buffer holds
					if _, err := w.conn.Write([]byte(block)); err != nil {
						return
					}
				}
			}()
			select {
			case <-ch.Done():
			case <-time.After(20 * time.Second):
				t.Fatal("channel still open")
			}
			if !errors.Is(ch.Err(), nodeipc.ErrOverrun) || !strings.Contains(ch.Err().Error(), "acknowledgements unwritten") {
				t.Fatalf("Err = %v, want ErrOverrun for unwritten acknowledgements", ch.Err())
			}
			// The reports of the NACKed messages received before the end
			// are still there, then the terminal error.
			n := 0
			for {
				_, err := ch.Recv(ctxT(t))
				if !errors.Is(err, nodeipc.ErrMissingHandle) {
					if !errors.Is(err, nodeipc.ErrOverrun) {
						t.Fatalf("Recv after %d reports: %v", n, err)
					}
					break
				}
				n++
			}
			if n < maxPendingControlForTest {
				t.Errorf("%d reports before the end, want at least %d", n, maxPendingControlForTest)
			}
		},
	}}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			ch, w := newWire(t, row.opts)
			row.run(t, ch, w)
		})
	}
}

// pipeCopies counts this process's descriptors of the pipe that fd belongs
// to (both ends have the same /proc target).
func pipeCopies(t *testing.T, fd int) int {
	target, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && l == target {
			n++
		}
	}
	return n
}

// maxPendingControlForTest mirrors the writer's bound on unwritten ACK/NACK
// frames.
const maxPendingControlForTest = 1024
