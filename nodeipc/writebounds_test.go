//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// memKiB reads a field of /proc/self/status in KiB.
func memKiB(t *testing.T, field string) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// resetPeak starts a new VmHWM measurement (Linux 4.0+) and returns the RSS
// it starts from.
func resetPeak(t *testing.T) int {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skip("cannot reset VmHWM:", err)
	}
	return memKiB(t, "VmRSS")
}

// A peer that hands over a keyed socket and then asks for the count again
// and again without reading the answers must not grow the process: past
// 1024 unwritten socket-list replies the channel ends with ErrOverrun.
// (Not parallel: it measures the process's peak RSS.)
func TestSocketListRepliesBounded(t *testing.T) {
	ch, peer := rawPeer(t, nil)
	ctx := ctxT(t)
	_, _, server := streamPair(t, "tcp", "127.0.0.1:0")
	sendWithFD(t, peer, `{"cmd":"NODE_HANDLE","type":"net.Socket","msg":1,"key":"k"}`+"\n", connFD(t, server))
	m, err := ch.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Conn().Close()

	base := resetPeak(t)
	const n = 400_000 // 17 MB of queries; the answers would cost far more
	block := []byte(strings.Repeat(`{"cmd":"NODE_SOCKET_GET_COUNT","key":"k"}`+"\n", 1000))
	go func() {
		for i := 0; i < n/1000; i++ {
			if _, err := peer.Write(block); err != nil {
				return
			}
		}
	}()
	select {
	case <-ch.Done():
	case <-time.After(30 * time.Second):
		t.Fatalf("channel still open after %d unanswered queries; RSS grew %d KiB", n, memKiB(t, "VmRSS")-base)
	}
	if err := ch.Err(); !errors.Is(err, nodeipc.ErrOverrun) || !strings.Contains(err.Error(), "socket-list replies") {
		t.Fatalf("Err = %v, want ErrOverrun for socket-list replies", err)
	}
	grew := memKiB(t, "VmHWM") - base
	t.Logf("peak RSS grew %d KiB", grew)
	if grew > 32<<10 && !raceEnabled {
		t.Errorf("peak RSS grew %d KiB, want under 32 MiB", grew)
	}
}

// postUntilFull posts size-byte messages to a peer that does not read until
// Post refuses one, and returns how many were accepted and the largest
// Buffered seen.
func postUntilFull(t *testing.T, ch *nodeipc.Channel, size, limit int) (n, maxBuffered int) {
	t.Helper()
	msg := strings.Repeat("x", size)
	for n < limit {
		err := ch.Post(msg)
		if errors.Is(err, nodeipc.ErrPostWouldBlock) {
			return n, maxBuffered
		}
		if err != nil {
			t.Fatalf("Post %d: %v", n, err)
		}
		n++
		if b := ch.Buffered(); b > maxBuffered {
			maxBuffered = b
		}
	}
	return n, maxBuffered
}

// Post to a peer that never reads: the queue stops at
// Options.MaxBufferedBytes with ErrPostWouldBlock, the channel stays open,
// Buffered shows the back pressure, and once the peer reads, Post works
// again.
func TestPostBoundAndBackpressure(t *testing.T) {
	t.Parallel()
	const bound = 1 << 20
	ch, peer := rawPeer(t, &nodeipc.Options{MaxBufferedBytes: bound, CloseTimeout: time.Millisecond})
	n, maxBuffered := postUntilFull(t, ch, 1000, 1_000_000)
	if n == 1_000_000 {
		t.Fatal("Post never refused a message")
	}
	if maxBuffered < nodeipc.HighWaterMark || maxBuffered > bound {
		t.Errorf("Buffered peaked at %d, want between HighWaterMark (%d) and the bound (%d)", maxBuffered, nodeipc.HighWaterMark, bound)
	}
	if !ch.Connected() {
		t.Fatalf("channel ended: %v", ch.Err())
	}
	t.Logf("%d posts accepted, Buffered peaked at %d", n, maxBuffered)
	// The peer reads everything: the queue drains.
	done := make(chan int)
	go func() {
		r := bufio.NewReaderSize(peer, 1<<16)
		lines := 0
		for lines < n+1 {
			if _, err := r.ReadSlice('\n'); err != nil {
				break
			}
			lines++
		}
		done <- lines
	}()
	deadline := time.Now().Add(10 * time.Second)
	for ch.Buffered() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if b := ch.Buffered(); b != 0 {
		t.Fatalf("Buffered = %d after the peer read", b)
	}
	if err := ch.Post("last"); err != nil {
		t.Fatalf("Post after draining: %v", err)
	}
	if lines := <-done; lines != n+1 {
		t.Errorf("peer read %d lines, want %d", lines, n+1)
	}
}

// The case from the field: 200,000 × 1 KB posted to a peer that never reads
// queued 206 MiB without an error. With the default bound the process stays
// within it. (Not parallel: it measures the process's peak RSS.)
func TestPostDefaultBoundMemory(t *testing.T) {
	ch, _ := rawPeer(t, &nodeipc.Options{CloseTimeout: time.Millisecond})
	base := resetPeak(t)
	n, _ := postUntilFull(t, ch, 1024, 200_000)
	grew := memKiB(t, "VmHWM") - base
	t.Logf("%d of 200000 posts accepted; peak RSS grew %d KiB", n, grew)
	if n == 200_000 {
		t.Fatal("Post never refused a message")
	}
	if grew > (nodeipc.DefaultMaxBufferedBytes+32<<20)>>10 && !raceEnabled {
		t.Errorf("peak RSS grew %d KiB, want under the bound plus 32 MiB", grew)
	}
}

// Close's error names a handle only when a handle was involved.
func TestCloseErrorNamesWhatWasLeft(t *testing.T) {
	t.Parallel()
	ch, _ := rawPeer(t, &nodeipc.Options{CloseTimeout: 100 * time.Millisecond})
	n, _ := postUntilFull(t, ch, 1000, 2000) // more than the socket buffers hold
	err := ch.Close()
	if err == nil {
		t.Fatalf("Close with %d messages posted to a peer that never reads: nil error", n)
	}
	if strings.Contains(err.Error(), "handle") || !strings.Contains(err.Error(), "not written") {
		t.Errorf("Close: %q; want it to say messages were not written, and not blame a handle", err)
	}

	// A handle the peer never acknowledges, with a message behind it.
	ch2, peer := rawPeer(t, &nodeipc.Options{CloseTimeout: 100 * time.Millisecond})
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hdone := make(chan error, 1)
	if err := ch2.PostHandle(1, ln, nil, func(err error) { hdone <- err }); err != nil {
		t.Fatal(err)
	}
	ch2.Post(2)
	_, fds := readFrame(t, peer)
	closeFDs(fds)
	err = ch2.Close()
	if err == nil || !strings.Contains(err.Error(), "did not acknowledge a handle") {
		t.Errorf("Close with a handle in flight: %v", err)
	}
	if err := <-hdone; !errors.Is(err, net.ErrClosed) {
		t.Errorf("PostHandle callback after Close: %v, want net.ErrClosed", err)
	}
}

// PostHandle queues the handle and returns; the callback reports the ACK,
// after which a moved connection is closed; messages posted after it come
// after it.
func TestPostHandle(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	a, b := pair(t, nil)
	_, client, server := streamPair(t, "tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	if err := a.PostHandle("conn", server.(*net.TCPConn), nil, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := a.Post("after"); err != nil {
		t.Fatal(err)
	}
	m := recvHandle(t, ctx, b, nodeipc.TypeSocket, `"conn"`)
	if m.Conn() == nil || m.PacketConn() != nil || m.Listener() != nil {
		t.Errorf("accessors of a net.Socket: Conn %v, PacketConn %v, Listener %v", m.Conn(), m.PacketConn(), m.Listener())
	}
	if m2, err := b.Recv(ctx); err != nil || string(m2.Raw()) != `"after"` {
		t.Fatalf("second message: %v %v", m2, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("callback: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("no callback")
	}
	if _, err := server.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("moved connection still open after the ACK: write %v", err)
	}
	if _, err := m.Conn().Write([]byte("hi")); err != nil { // the receiver's copy is the live one
		t.Fatal(err)
	}
	expectReply(t, client, "", "hi")
}

// PostHandle reports ErrHandleNotReceived to its callback after the last
// NACK; refusals are returned, with no callback.
func TestPostHandleFailures(t *testing.T) {
	t.Parallel()
	ch, peer := rawPeer(t, nil)
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	if err := ch.PostHandle(1, ln, nil, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		_, fds := readFrame(t, peer)
		closeFDs(fds)
		if _, err := peer.Write([]byte(`{"cmd":"NODE_HANDLE_NACK"}` + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; !errors.Is(err, nodeipc.ErrHandleNotReceived) {
		t.Errorf("callback after 4 NACKs: %v, want ErrHandleNotReceived", err)
	}
	called := make(chan error, 1)
	if err := ch.PostHandle(1, nil, nil, func(err error) { called <- err }); !errors.Is(err, nodeipc.ErrBadHandle) {
		t.Errorf("PostHandle(nil) = %v, want ErrBadHandle", err)
	}
	ch.Close()
	if err := ch.PostHandle(1, ln, nil, func(err error) { called <- err }); !errors.Is(err, net.ErrClosed) {
		t.Errorf("PostHandle after Close = %v, want net.ErrClosed", err)
	}
	select {
	case err := <-called:
		t.Errorf("callback ran for a refused PostHandle: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
}

// A Unix-domain stream socket is a net.PacketConn to the type system, but
// PacketConn is only for datagram sockets.
func TestHandleAccessorsUnix(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	a, b := pair(t, nil)
	x, _ := socketpair(t)
	errc := sendHandleAsync(ctx, a, "u", x, &nodeipc.SendHandleOptions{KeepOpen: true})
	m := recvHandle(t, ctx, b, nodeipc.TypeSocket, `"u"`)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if m.Conn() == nil || m.PacketConn() != nil || m.Listener() != nil {
		t.Errorf("accessors of a Unix net.Socket: Conn %v, PacketConn %v, Listener %v", m.Conn(), m.PacketConn(), m.Listener())
	}
}
