//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
	"golang.org/x/sys/unix"
)

// fdFlags returns the descriptor flags (F_GETFD) and the file status flags
// (F_GETFL) of a socket, without changing them.
func fdFlags(t testing.TB, h any) (fdfl, flfl int) {
	t.Helper()
	sc, ok := h.(syscall.Conn)
	if !ok {
		t.Fatalf("%T is not a syscall.Conn", h)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var e1, e2 error
	if err := rc.Control(func(fd uintptr) {
		fdfl, e1 = unix.FcntlInt(fd, unix.F_GETFD, 0)
		flfl, e2 = unix.FcntlInt(fd, unix.F_GETFL, 0)
	}); err != nil {
		t.Fatal(err)
	}
	if e1 != nil || e2 != nil {
		t.Fatal(e1, e2)
	}
	return fdfl, flfl
}

// checkReceivedFD asserts what every received descriptor must be:
// close-on-exec and non-blocking.
func checkReceivedFD(t testing.TB, h any) {
	t.Helper()
	if tc, ok := h.(*nodeipc.TrackedConn); ok {
		h = tc.NetConn()
	}
	fdfl, flfl := fdFlags(t, h)
	if fdfl&unix.FD_CLOEXEC == 0 {
		t.Errorf("received %T is not FD_CLOEXEC", h)
	}
	if flfl&unix.O_NONBLOCK == 0 {
		t.Errorf("received %T is not O_NONBLOCK", h)
	}
}

func checkNonblock(t testing.TB, what string, h any) {
	t.Helper()
	if _, flfl := fdFlags(t, h); flfl&unix.O_NONBLOCK == 0 {
		t.Errorf("%s lost O_NONBLOCK", what)
	}
}

func recvHandle(t testing.TB, ctx context.Context, ch *nodeipc.Channel, wantType, wantMsg string) *nodeipc.Message {
	t.Helper()
	m, err := ch.Recv(ctx)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if got := string(m.Raw()); got != wantMsg {
		t.Errorf("message %s, want %s", got, wantMsg)
	}
	if m.HandleType() != wantType {
		t.Errorf("HandleType %q, want %q", m.HandleType(), wantType)
	}
	if m.Handle() == nil {
		t.Fatalf("message %s has no handle", m.Raw())
	}
	checkReceivedFD(t, m.Handle())
	t.Cleanup(func() { m.Handle().(io.Closer).Close() })
	return m
}

// sendHandleAsync runs SendHandle in a goroutine.
func sendHandleAsync(ctx context.Context, ch *nodeipc.Channel, v any, h nodeipc.Handle, opts *nodeipc.SendHandleOptions) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- ch.SendHandle(ctx, v, h, opts) }()
	return errc
}

// streamPair returns a listener, a client conn and the accepted server conn.
func streamPair(t testing.TB, network, addr string) (net.Listener, net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	client, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return ln, client, server
}

func unixAddr(t testing.TB) string {
	return filepath.Join(t.TempDir(), "s.sock")
}

// expectReply writes req on c and expects to read exactly want.
func expectReply(t testing.TB, c net.Conn, req, want string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if req != "" {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, len(want))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("reading %q: %v", want, err)
	}
	if string(buf) != want {
		t.Fatalf("read %q, want %q", buf, want)
	}
}

func TestSendListener(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			a, b := pair(t, nil)
			ctx := ctxT(t)
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = unixAddr(t)
			}
			ln, err := net.Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			if err := a.SendHandle(ctx, map[string]int{"s": 1}, ln.(nodeipc.Handle), nil); err != nil {
				t.Fatal(err)
			}
			checkNonblock(t, "sender's listener", ln)
			m := recvHandle(t, ctx, b, nodeipc.TypeServer, `{"s":1}`)
			rl := m.Listener()
			if rl == nil {
				t.Fatalf("handle %T is not a listener", m.Handle())
			}
			if rl.Addr().String() != ln.Addr().String() {
				t.Errorf("received listener on %v, sent %v", rl.Addr(), ln.Addr())
			}
			// The sender's listener is shared, not closed: close it, and the
			// received one still serves. (Closing a Go Unix listener removes
			// its path unless told otherwise.)
			if ul, ok := ln.(*net.UnixListener); ok {
				ul.SetUnlinkOnClose(false)
			}
			ln.Close()
			go func() {
				c, err := rl.Accept()
				if err != nil {
					return
				}
				io.WriteString(c, "from receiver")
				c.Close()
			}()
			c, err := net.Dial(network, rl.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			expectReply(t, c, "", "from receiver")
		})
	}
}

func TestSendConn(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		for _, keep := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/keepOpen=%v", network, keep), func(t *testing.T) {
				t.Parallel()
				a, b := pair(t, nil)
				ctx := ctxT(t)
				addr := "127.0.0.1:0"
				if network == "unix" {
					addr = unixAddr(t)
				}
				_, client, server := streamPair(t, network, addr)
				opts := &nodeipc.SendHandleOptions{KeepOpen: keep}
				if err := a.SendHandle(ctx, "conn", server.(nodeipc.Handle), opts); err != nil {
					t.Fatal(err)
				}
				m := recvHandle(t, ctx, b, nodeipc.TypeSocket, `"conn"`)
				rc := m.Conn()
				if rc == nil {
					t.Fatalf("handle %T is not a conn", m.Handle())
				}
				// Data flows over the received socket, both ways.
				go func() {
					buf := make([]byte, 4)
					if _, err := io.ReadFull(rc, buf); err == nil {
						rc.Write(append([]byte("re:"), buf...))
					}
				}()
				expectReply(t, client, "ping", "re:ping")
				_, err := server.Write([]byte("x"))
				if keep {
					if err != nil {
						t.Errorf("KeepOpen: sender's conn unusable: %v", err)
					}
					checkNonblock(t, "kept conn", server)
				} else if !errors.Is(err, net.ErrClosed) {
					t.Errorf("moved conn: write after ACK = %v, want net.ErrClosed", err)
				}
			})
		}
	}
}

func TestSendUDP(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if err := a.SendHandle(ctx, "udp", u, nil); err != nil {
		t.Fatal(err)
	}
	checkNonblock(t, "sender's UDP socket", u)
	m := recvHandle(t, ctx, b, nodeipc.TypeDgramSocket, `"udp"`)
	if m.PacketConn() == nil || m.Conn() != nil || m.Listener() != nil {
		t.Fatalf("handle %T: PacketConn %v, Conn %v, Listener %v; want only PacketConn", m.Handle(), m.PacketConn(), m.Conn(), m.Listener())
	}
	ru := m.Handle().(*net.UDPConn)
	u.Close() // the receiver's copy keeps working
	client, err := net.DialUDP("udp4", nil, ru.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	go func() {
		buf := make([]byte, 100)
		n, from, err := ru.ReadFromUDP(buf)
		if err == nil {
			ru.WriteToUDP(append([]byte("re:"), buf[:n]...), from)
		}
	}()
	expectReply(t, client, "dgram", "re:dgram")
}

func TestSendHandleEnvelopes(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	tcpLn, _, tcpConn := streamPair(t, "tcp", "127.0.0.1:0")
	u6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	defer u6.Close()
	for _, tc := range []struct {
		name string
		h    nodeipc.Handle
		opts *nodeipc.SendHandleOptions
		want string
	}{
		{"server", tcpLn.(nodeipc.Handle), nil, `{"cmd":"NODE_HANDLE","type":"net.Server","msg":1}` + "\n"},
		{"socket-key", tcpConn.(nodeipc.Handle), &nodeipc.SendHandleOptions{Key: "4:127.0.0.1:0", KeepOpen: true}, `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":1,"key":"4:127.0.0.1:0"}` + "\n"},
		{"native", tcpConn.(nodeipc.Handle), &nodeipc.SendHandleOptions{Native: true}, `{"cmd":"NODE_HANDLE","type":"net.Native","msg":1}` + "\n"},
		{"udp6", u6, nil, `{"cmd":"NODE_HANDLE","type":"dgram.Socket","msg":1,"dgramType":"udp6"}` + "\n"},
		{"udp-native", u6, &nodeipc.SendHandleOptions{Native: true}, `{"cmd":"NODE_HANDLE","type":"dgram.Native","msg":1}` + "\n"},
	} {
		ch, peer := rawPeer(t, nil)
		errc := sendHandleAsync(ctx, ch, 1, tc.h, tc.opts)
		line, fds := readFrame(t, peer)
		closeFDs(fds)
		if line != tc.want || len(fds) != 1 {
			t.Errorf("%s: wire %q with %d fds, want %q with 1", tc.name, line, len(fds), tc.want)
		}
		peer.Write([]byte(`{"cmd":"NODE_HANDLE_ACK"}` + "\n"))
		if err := <-errc; err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// readFrame reads one JSON line from a raw peer, with any descriptors that
// came with it. It reads byte by byte after the first chunk so that it never
// consumes the next frame.
func readFrame(t testing.TB, peer *net.UnixConn) (string, []int) {
	t.Helper()
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer peer.SetReadDeadline(time.Time{})
	var line []byte
	var fds []int
	oob := make([]byte, unix.CmsgSpace(4*8))
	b := make([]byte, 1)
	for {
		n, oobn, _, _, err := peer.ReadMsgUnix(b, oob)
		if err != nil {
			t.Fatalf("raw peer read: %v (have %q)", err, line)
		}
		if oobn > 0 {
			msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
			for i := range msgs {
				got, _ := unix.ParseUnixRights(&msgs[i])
				fds = append(fds, got...)
			}
		}
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				return string(line), fds
			}
		}
	}
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// expectNothing asserts that the raw peer receives nothing for a while.
func expectNothing(t testing.TB, peer *net.UnixConn, d time.Duration) {
	t.Helper()
	peer.SetReadDeadline(time.Now().Add(d))
	defer peer.SetReadDeadline(time.Time{})
	buf := make([]byte, 256)
	n, err := peer.Read(buf)
	if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("unexpected bytes on the wire: %q (%v)", buf[:n], err)
	}
}

func TestHandleQueuesLaterMessages(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	ch, peer := rawPeer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	errc := sendHandleAsync(ctx, ch, "h", ln.(nodeipc.Handle), nil)
	line, fds := readFrame(t, peer)
	closeFDs(fds)
	if !strings.HasPrefix(line, `{"cmd":"NODE_HANDLE"`) || len(fds) != 1 {
		t.Fatalf("first frame %q with %d fds", line, len(fds))
	}
	// Everything sent now waits for the ACK, as in Node.
	for i := 0; i < 3; i++ {
		if err := ch.Post(i); err != nil {
			t.Fatal(err)
		}
	}
	sent := make(chan error, 1)
	go func() { sent <- ch.Send(ctx, "after") }()
	expectNothing(t, peer, 100*time.Millisecond)
	select {
	case err := <-errc:
		t.Fatalf("SendHandle returned %v before the ACK", err)
	default:
	}
	peer.Write([]byte(`{"cmd":"NODE_HANDLE_ACK"}` + "\n"))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 4 {
		l, fds := readFrame(t, peer)
		if len(fds) != 0 {
			t.Errorf("plain message %q carried %d fds", l, len(fds))
			closeFDs(fds)
		}
		got = append(got, l)
	}
	if diff := cmp.Diff([]string{"0\n", "1\n", "2\n", "\"after\"\n"}, got); diff != "" {
		t.Errorf("queued messages (-want +got):\n%s", diff)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

func TestHandleOrderBetweenChannels(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	_, _, server := streamPair(t, "tcp", "127.0.0.1:0")
	// Post before and after, and a handle in between, without waiting.
	a.Post("before")
	errc := sendHandleAsync(ctx, a, "handle", server.(nodeipc.Handle), nil)
	time.Sleep(20 * time.Millisecond) // let SendHandle take its place
	for i := 0; i < 50; i++ {
		a.Post(i)
	}
	want := []string{`"before"`, `"handle"`}
	for i := 0; i < 50; i++ {
		want = append(want, fmt.Sprint(i))
	}
	var got []string
	for range want {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(m.Raw()))
		if h, ok := m.Handle().(io.Closer); ok {
			h.Close()
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestHandleWithoutFDIsNACKed(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	ch, peer := rawPeer(t, nil)
	peer.Write([]byte(`{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"lost":1}}` + "\n"))
	line, _ := readFrame(t, peer)
	if line != `{"cmd":"NODE_HANDLE_NACK"}`+"\n" {
		t.Fatalf("reply %q, want NACK", line)
	}
	_, err := ch.Recv(ctx)
	var perr *nodeipc.ProtocolError
	if !errors.As(err, &perr) || !errors.Is(err, nodeipc.ErrMissingHandle) {
		t.Fatalf("Recv = %v, want *ProtocolError wrapping ErrMissingHandle", err)
	}
	// The channel is still usable both ways.
	peer.Write([]byte(`"next"` + "\n"))
	m, err := ch.Recv(ctx)
	if err != nil || string(m.Raw()) != `"next"` {
		t.Fatalf("Recv after NACK = %v, %v", m, err)
	}
	if err := ch.Send(ctx, "still"); err != nil {
		t.Fatal(err)
	}
	if line, _ := readFrame(t, peer); line != "\"still\"\n" {
		t.Fatalf("got %q", line)
	}
	expectNothing(t, peer, 50*time.Millisecond)
}

func TestRetransmitOnNACK(t *testing.T) {
	t.Parallel()
	for _, nacks := range []int{1, 3, 4} {
		t.Run(fmt.Sprint(nacks), func(t *testing.T) {
			t.Parallel()
			ctx := ctxT(t)
			ch, peer := rawPeer(t, nil)
			_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
			errc := sendHandleAsync(ctx, ch, map[string]int{"n": 1}, server.(nodeipc.Handle), &nodeipc.SendHandleOptions{Key: "4:127.0.0.1:0"})
			want := `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"n":1},"key":"4:127.0.0.1:0"}` + "\n"
			for i := 0; i <= nacks && i <= 3; i++ {
				line, fds := readFrame(t, peer)
				closeFDs(fds)
				// The original envelope again, never double-wrapped, and
				// with the descriptor each time.
				if line != want || len(fds) != 1 {
					t.Fatalf("transmission %d: %q with %d fds, want %q with 1", i+1, line, len(fds), want)
				}
				if i < nacks {
					peer.Write([]byte(`{"cmd":"NODE_HANDLE_NACK"}` + "\n"))
				} else {
					peer.Write([]byte(`{"cmd":"NODE_HANDLE_ACK"}` + "\n"))
				}
			}
			err := <-errc
			if nacks > 3 {
				if !errors.Is(err, nodeipc.ErrHandleNotReceived) {
					t.Fatalf("SendHandle = %v, want ErrHandleNotReceived", err)
				}
				// The transfer failed: the caller still owns the conn.
				if _, err := server.Write([]byte("x")); err != nil {
					t.Errorf("conn after failed transfer: %v", err)
				}
				expectReply(t, client, "", "x")
			} else if err != nil {
				t.Fatalf("SendHandle = %v", err)
			}
			expectNothing(t, peer, 50*time.Millisecond)
			// The queue is free again.
			if err := ch.Send(ctx, "next"); err != nil {
				t.Fatal(err)
			}
			if line, _ := readFrame(t, peer); line != "\"next\"\n" {
				t.Fatalf("got %q", line)
			}
		})
	}
}

// sendWithFD writes one frame carrying fd from a raw peer.
func sendWithFD(t testing.TB, peer *net.UnixConn, frame string, fd int) {
	t.Helper()
	if _, _, err := peer.WriteMsgUnix([]byte(frame), unix.UnixRights(fd), nil); err != nil {
		t.Fatal(err)
	}
}

func connFD(t testing.TB, c any) int {
	t.Helper()
	var fd int
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}

func TestDoubleWrappedRetransmission(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	ch, peer := rawPeer(t, nil)
	_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
	// What a Node sender retransmits after a NACK.
	sendWithFD(t, peer, `{"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"NODE_HANDLE","type":"net.Socket","msg":{"x":1},"key":"4:127.0.0.1:0"}}`+"\n", connFD(t, server))
	server.Close()
	if line, _ := readFrame(t, peer); line != `{"cmd":"NODE_HANDLE_ACK"}`+"\n" {
		t.Fatalf("reply %q, want one ACK", line)
	}
	m := recvHandle(t, ctx, ch, nodeipc.TypeSocket, `{"x":1}`)
	if m.Key() != "4:127.0.0.1:0" {
		t.Errorf("Key = %q", m.Key())
	}
	if _, ok := m.Handle().(*nodeipc.TrackedConn); !ok {
		t.Errorf("handle with a key is %T, want *nodeipc.TrackedConn", m.Handle())
	}
	m.Conn().Write([]byte("ok"))
	expectReply(t, client, "", "ok")
	expectNothing(t, peer, 100*time.Millisecond) // exactly one ACK
}

func TestWrongKindOfFD(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	ch, peer := rawPeer(t, nil)
	f, err := os.CreateTemp(t.TempDir(), "regular")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		name, typ string
		fd        int
	}{
		{"regular file", "net.Socket", int(f.Fd())},
		{"listener as socket", "net.Socket", connFD(t, ln)},
		{"udp as socket", "net.Socket", connFD(t, u)},
		{"pipe", "net.Socket", int(pr.Fd())},
		{"udp as server", "net.Server", connFD(t, u)},
		{"unknown type", "net.Bogus", connFD(t, u)},
	} {
		msg := fmt.Sprintf(`{"case":%q}`, tc.name)
		sendWithFD(t, peer, fmt.Sprintf(`{"cmd":"NODE_HANDLE","type":%q,"msg":%s}`+"\n", tc.typ, msg), tc.fd)
		if line, _ := readFrame(t, peer); line != `{"cmd":"NODE_HANDLE_ACK"}`+"\n" {
			t.Fatalf("%s: reply %q, want ACK (the fd arrived)", tc.name, line)
		}
		_, err := ch.Recv(ctx)
		var herr *nodeipc.HandleError
		if !errors.As(err, &herr) || !errors.Is(err, nodeipc.ErrBadHandle) {
			t.Fatalf("%s: Recv = %v, want *HandleError wrapping ErrBadHandle", tc.name, err)
		}
		if herr.Type != tc.typ || herr.Message == nil || string(herr.Message.Raw()) != msg || herr.Message.Handle() != nil {
			t.Errorf("%s: HandleError %+v", tc.name, herr)
		}
	}
	// Still usable.
	peer.Write([]byte("1\n"))
	if m, err := ch.Recv(ctx); err != nil || string(m.Raw()) != "1" {
		t.Fatalf("Recv after bad handles = %v, %v", m, err)
	}
}

func TestSendHandleRejectsNonSockets(t *testing.T) {
	t.Parallel()
	a, _ := pair(t, nil)
	ctx := ctxT(t)
	f, err := os.CreateTemp(t.TempDir(), "regular")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	defer pw.Close()
	seq, err := nodeipc.SocketForTest(unix.AF_UNIX, unix.SOCK_SEQPACKET)
	if err != nil {
		t.Fatal(err)
	}
	sf := os.NewFile(uintptr(seq), "seqpacket")
	defer sf.Close()
	for _, h := range []nodeipc.Handle{f, pr, sf, nil} {
		if err := a.SendHandle(ctx, 1, h, nil); !errors.Is(err, nodeipc.ErrBadHandle) {
			t.Errorf("SendHandle(%T) = %v, want ErrBadHandle", h, err)
		}
	}
	if err := a.Send(ctx, "usable"); err != nil {
		t.Fatal(err)
	}
}

func TestSocketListBetweenChannels(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	ctx := ctxT(t)
	const key = "4:127.0.0.1:0"
	var got []net.Conn
	for i := 0; i < 3; i++ {
		_, _, server := streamPair(t, "tcp", "127.0.0.1:0")
		if err := a.SendHandle(ctx, i, server.(nodeipc.Handle), &nodeipc.SendHandleOptions{Key: key}); err != nil {
			t.Fatal(err)
		}
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Handle().(*nodeipc.TrackedConn); !ok {
			t.Fatalf("handle %T", m.Handle())
		}
		got = append(got, m.Conn())
	}
	if n, err := a.SocketCount(ctx, key); err != nil || n != 3 {
		t.Fatalf("SocketCount = %d, %v; want 3", n, err)
	}
	got[0].Close()
	got[0].Close() // twice counts once
	if n, err := a.SocketCount(ctx, key); err != nil || n != 2 {
		t.Fatalf("SocketCount = %d, %v; want 2", n, err)
	}
	done := make(chan error, 1)
	go func() { done <- a.NotifyClose(ctx, key) }()
	got[1].Close()
	select {
	case err := <-done:
		t.Fatalf("NotifyClose returned %v with a socket still open", err)
	case <-time.After(50 * time.Millisecond):
	}
	got[2].Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Answered at once when nothing is open; unknown keys get no answer.
	if err := a.NotifyClose(ctx, key); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := a.SocketCount(short, "4:unknown:1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SocketCount(unknown) = %v, want no answer", err)
	}
	// A disconnect fails waiters.
	errc := make(chan error, 1)
	go func() { _, err := a.SocketCount(context.Background(), "4:unknown:2"); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	b.Close()
	if err := <-errc; !errors.Is(err, nodeipc.ErrDisconnected) {
		t.Errorf("SocketCount across a disconnect = %v", err)
	}
}

// countFDs counts this process's open descriptors.
func countFDs(t testing.TB) int {
	t.Helper()
	n := nodeipctest.CountFDs()
	if n < 0 {
		t.Skip("the system does not list open descriptors")
	}
	return n
}

// TestHandleTransfersDoNotLeak is not parallel: it counts the process's
// descriptors.
func TestHandleTransfersDoNotLeak(t *testing.T) {
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	round := func(i int) {
		var h nodeipc.Handle
		switch i % 3 {
		case 0:
			h = ln.(nodeipc.Handle)
		case 1:
			h = u
		case 2:
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			h = c.(nodeipc.Handle)
		}
		errc := sendHandleAsync(ctx, a, i, h, &nodeipc.SendHandleOptions{Key: "k"})
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m.Handle().(io.Closer).Close()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 30; i++ { // warm up (netpoller, accept backlog)
		round(i)
	}
	drainAccepts(t, ln)
	before := countFDs(t)
	for i := 0; i < 1000; i++ {
		round(i)
	}
	drainAccepts(t, ln)
	if after := countFDs(t); after > before {
		t.Errorf("open descriptors %d after 1,000 transfers, %d before", after, before)
	}
}

// drainAccepts accepts and closes every pending connection on ln.
func drainAccepts(t testing.TB, ln net.Listener) {
	tl := ln.(*net.TCPListener)
	for {
		tl.SetDeadline(time.Now().Add(20 * time.Millisecond))
		c, err := tl.Accept()
		if err != nil {
			tl.SetDeadline(time.Time{})
			return
		}
		c.Close()
	}
}

func TestSendHandleContext(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// The peer never answers: SendHandle gives up with ctx.
	if err := ch.SendHandle(ctx, 1, ln.(nodeipc.Handle), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SendHandle = %v", err)
	}
	_, fds := readFrame(t, peer)
	closeFDs(fds)
	// The ACK still arrives later and frees the queue.
	peer.Write([]byte(`{"cmd":"NODE_HANDLE_ACK"}` + "\n"))
	if err := ch.Send(ctxT(t), 2); err != nil {
		t.Fatal(err)
	}
	if line, _ := readFrame(t, peer); line != "2\n" {
		t.Fatalf("got %q", line)
	}
}

func TestUnsolicitedAck(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	ch, peer := rawPeer(t, nil)
	peer.Write([]byte(`{"cmd":"NODE_HANDLE_ACK"}` + "\n" + `"after"` + "\n"))
	// Ignored, as Node ignores it: the next Recv is the next message.
	if m, err := ch.Recv(ctx); err != nil || string(m.Raw()) != `"after"` {
		t.Fatalf("Recv = %v, %v", m, err)
	}
	if n := nodeipc.UnsolicitedAcksForTest(ch); n != 1 {
		t.Fatalf("%d unsolicited answers counted, want 1", n)
	}
}

// TestCloseClosesUnreceivedHandles: handles that arrived with messages
// nobody received are closed by Close; no descriptor is left.
func TestCloseClosesUnreceivedHandles(t *testing.T) {
	a, b := pair(t, nil)
	ctx := ctxT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	before := countFDs(t)
	for i := range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		srv, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SendHandle(ctx, i, c.(*net.TCPConn), nil); err != nil { // moved: closed once acknowledged
			t.Fatal(err)
		}
		srv.Close()
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if after := countFDs(t); after > before {
		t.Errorf("descriptors: %d before the transfers, %d after Close", before, after)
	}
	m, err := b.Recv(ctx)
	if err == nil && m.Handle() != nil {
		t.Errorf("a message received after Close still has its handle %T", m.Handle())
	}
}
