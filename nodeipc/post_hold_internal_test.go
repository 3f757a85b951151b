//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"testing/synctest"
)

// A receive loop that answers a burst of requests with PostRaw has its
// replies written together, by its next Recv that finds nothing queued:
// nothing is written before it, and the peer reads the whole burst of
// replies at once. The bubble's clock stands still while the channel's
// goroutines wait in the kernel, so the background reader's takeover
// (which would write them at a time of its own) cannot come in between.
// holdingPair returns a Channel whose receive loop is in its turn (the
// first Recv read the socket itself and returned a message: what it posts
// now is held for its next Recv), and the peer's raw end.
func holdingPair(t *testing.T, burst []byte) (ch *Channel, peer *net.UnixConn, first <-chan *Message) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "pair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
	}
	peer = conns[1]
	ch, err = New(conns[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	// The background reader must be in its read before the first Recv
	// starts: a reader goroutine that only starts once that Recv has read
	// the burst and let go would take the read side at once (not after
	// recvHold, which a hand-over arms) and wait on the socket for ever,
	// and synctest.Wait would never return (a goroutine waiting on a real
	// socket is not durably blocked). On an emulated or busy machine the
	// goroutine New starts can run that late.
	for !ch.rd.bg.Load() {
		runtime.Gosched()
	}
	// The first Recv takes the read side from the background reader and
	// reads the burst itself.
	got := make(chan *Message, 1)
	go func() {
		m, err := ch.Recv(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- m
	}()
	for ch.rd.readers.Load() == 0 || ch.rd.bg.Load() {
		runtime.Gosched()
	}
	if _, err := peer.Write(burst); err != nil {
		t.Fatal(err)
	}
	return ch, peer, got
}

// peerCanRead reports how many bytes wait for the peer, without reading.
func peerCanRead(t *testing.T, peer *net.UnixConn) int {
	t.Helper()
	rc, err := peer.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var k int
	var perr error
	buf := make([]byte, 4096)
	rc.Read(func(fd uintptr) bool {
		k, _, perr = syscall.Recvfrom(int(fd), buf, syscall.MSG_DONTWAIT|syscall.MSG_PEEK)
		return true
	})
	if perr == syscall.EAGAIN {
		return 0
	}
	if perr != nil {
		t.Fatal(perr)
	}
	return k
}

func TestPostCoalescesReceiveLoopReplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 5
		var burst bytes.Buffer
		for i := range n {
			fmt.Fprintf(&burst, "{\"seq\":%d}\n", i)
		}
		ch, peer, first := holdingPair(t, burst.Bytes())
		defer peer.Close()
		ctx := context.Background()
		var err error
		for i := range n {
			var m *Message
			if i == 0 {
				m = <-first
			} else if m, err = ch.Recv(ctx); err != nil {
				t.Fatal(err)
			}
			if m == nil {
				t.FailNow()
			}
			if want := fmt.Sprintf("{\"seq\":%d}", i); string(m.Raw()) != want {
				t.Fatalf("message %d = %s, want %s", i, m.Raw(), want)
			}
			if err := ch.PostRaw(m.Raw()); err != nil {
				t.Fatal(err)
			}
		}
		// Every goroutine of the channel is idle now and nothing has been
		// written: the replies wait for the loop's next Recv.
		synctest.Wait()
		if k := peerCanRead(t, peer); k != 0 {
			t.Fatalf("before the next Recv the peer can read %d bytes; want nothing written yet", k)
		}
		// The next Recv writes the held replies, then waits for more.
		done := make(chan error, 1)
		go func() {
			_, err := ch.Recv(ctx)
			done <- err
		}()
		buf := make([]byte, 4096)
		k, err := peer.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(buf[:k]); got != burst.String() {
			t.Fatalf("first read of the peer = %q, want the whole burst %q in one write", got, burst.String())
		}
		ch.Close()
		if err := <-done; err == nil {
			t.Fatal("Recv after Close: nil error")
		}
	})
}

// What a receive loop holds back is bounded: once its replies reach
// maxHeldBytes they are written without waiting for its next Recv, so a
// pipelined peer keeps getting replies while the loop still finds
// requests queued.
func TestPostHoldIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch, peer, first := holdingPair(t, []byte("1\n2\n"))
		defer peer.Close()
		defer ch.Close()
		if m := <-first; m == nil {
			t.FailNow()
		}
		reply := bytes.Repeat([]byte("x"), 1000)
		reply = append(append([]byte{'"'}, reply...), '"')
		if err := ch.PostRaw(reply); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if k := peerCanRead(t, peer); k != 0 {
			t.Fatalf("one small reply: the peer can read %d bytes before the next Recv; want it held", k)
		}
		for range maxHeldBytes / len(reply) {
			if err := ch.PostRaw(reply); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if k := peerCanRead(t, peer); k == 0 {
			t.Fatalf("%d bytes of replies held: nothing written before the next Recv", ch.Buffered())
		}
	})
}
