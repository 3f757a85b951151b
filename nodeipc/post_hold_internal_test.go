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
func TestPostCoalescesReceiveLoopReplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
		peer := conns[1]
		defer peer.Close()
		ch, err := New(conns[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		const n = 5
		var burst bytes.Buffer
		for i := range n {
			fmt.Fprintf(&burst, "{\"seq\":%d}\n", i)
		}
		ctx := context.Background()
		// The first Recv takes the read side from the background reader
		// and reads the burst itself.
		first := make(chan *Message, 1)
		go func() {
			m, err := ch.Recv(ctx)
			if err != nil {
				t.Error(err)
			}
			first <- m
		}()
		for ch.rd.readers.Load() == 0 || ch.rd.bg.Load() {
			runtime.Gosched()
		}
		if _, err := peer.Write(burst.Bytes()); err != nil {
			t.Fatal(err)
		}
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
		if perr != syscall.EAGAIN {
			t.Fatalf("before the next Recv the peer can read %d bytes (%v); want nothing written yet", k, perr)
		}
		// The next Recv writes the held replies, then waits for more.
		done := make(chan error, 1)
		go func() {
			_, err := ch.Recv(ctx)
			done <- err
		}()
		k, err = peer.Read(buf)
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
