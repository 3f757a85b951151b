//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// The read side passes between Recv callers and the background reader many
// times a second in a request/response loop with handles: a transfer must
// never wait for an acknowledgement that nobody reads, and a reply must
// never sit in the queue while Recv waits on the socket.
func TestReadSideHandOver(t *testing.T) {
	t.Parallel()
	a, b := pair(t, nil)
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() { // the peer: answer every message, close every handle
		for {
			m, err := b.Recv(ctx)
			if err != nil {
				return
			}
			if h := m.PacketConn(); h != nil {
				h.Close()
			}
			if b.Send(ctx, "report") != nil {
				return
			}
		}
	}()
	for i := 0; i < 1500; i++ {
		if i%2 == 0 {
			if err := a.SendHandle(ctx, i, u, &nodeipc.SendHandleOptions{Native: true}); err != nil {
				t.Fatalf("transfer %d: %v", i, err)
			}
		} else if err := a.Send(ctx, i); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if i%7 == 0 {
			time.Sleep(time.Duration(i%5) * time.Millisecond) // let the background reader take over
		}
		if _, err := a.Recv(ctx); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
}

// A channel that spins briefly for replies during a request/reply exchange
// must park once the exchange stops: an idle channel costs no CPU.
func TestIdleChannelDoesNotSpin(t *testing.T) {
	a, b := pair(t, &nodeipc.Options{SpinWait: 5 * time.Millisecond})
	ctx := ctxT(t)
	go func() {
		for {
			m, err := b.Recv(ctx)
			if err != nil || b.SendRaw(ctx, m.Raw()) != nil {
				return
			}
		}
	}()
	for i := 0; i < 200; i++ { // short replies: spinning turns on
		if err := a.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}
	recv := make(chan error, 1)
	go func() { _, err := a.Recv(ctx); recv <- err }() // waits on an idle channel
	time.Sleep(20 * time.Millisecond)
	before := cpuTime(t)
	time.Sleep(500 * time.Millisecond)
	used := cpuTime(t) - before
	if used > 100*time.Millisecond {
		t.Errorf("idle channel used %v of CPU in 500ms", used)
	}
	a.Send(ctx, "done")
	if err := <-recv; err != nil {
		t.Fatal(err)
	}
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
