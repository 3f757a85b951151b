package nodeipc

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// The timing logic of the channel, on the in-memory transport and the
// bubble's clock: deterministic, no sleeps.

func TestMemRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := peer.WriteString(`{"a":1}` + "\n"); err != nil {
			t.Fatal(err)
		}
		m, err := c.Recv(context.Background())
		if err != nil || string(m.Raw()) != `{"a":1}` {
			t.Fatalf("Recv = %v, %v", m, err)
		}
		if err := c.Send(context.Background(), map[string]int{"b": 2}); err != nil {
			t.Fatal(err)
		}
		if l, err := peer.ReadLine(); err != nil || l != `{"b":2}` {
			t.Fatalf("peer read %q, %v", l, err)
		}
		peer.Close()
		if _, err := c.Recv(context.Background()); err == nil {
			t.Fatal("Recv after the peer closed: no error")
		}
	})
}

// The read hand-over: a Recv that finds nothing queued takes the read side
// from the background reader and reads itself; after it returns, the read
// side stays with receivers for recvHold, then the background reader takes
// it back (and queues what arrived meanwhile).
func TestReadHandOverAndHoldTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		synctest.Wait()
		if !c.rd.bg.Load() {
			t.Fatal("the background reader is not reading an idle channel")
		}
		got := make(chan string)
		go func() {
			m, err := c.Recv(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- string(m.Raw())
		}()
		synctest.Wait()
		if c.rd.bg.Load() || c.rd.readers.Load() != 1 {
			t.Fatalf("after Recv kicked it: background reading %v, %d receivers", c.rd.bg.Load(), c.rd.readers.Load())
		}
		peer.WriteString("1\n")
		if m := <-got; m != "1" {
			t.Fatalf("Recv got %q", m)
		}
		// Nobody reads during recvHold: what arrives waits in the socket.
		peer.WriteString("2\n")
		time.Sleep(recvHold - time.Nanosecond)
		synctest.Wait()
		if c.rd.bg.Load() || c.Queued() != 0 || peer.pending() == 0 {
			t.Fatalf("within recvHold: background reading %v, Queued %d, pending %d", c.rd.bg.Load(), c.Queued(), peer.pending())
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if !c.rd.bg.Load() || c.Queued() != 1 {
			t.Fatalf("after recvHold: background reading %v, Queued %d", c.rd.bg.Load(), c.Queued())
		}
		// A receive loop (Recv again within recvHold) keeps reading
		// directly.
		recvOne := func() string {
			m, err := c.Recv(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return string(m.Raw())
		}
		if m := recvOne(); m != "2" {
			t.Fatalf("Recv got %q", m)
		}
		go func() { got <- recvOne() }()
		synctest.Wait()
		peer.WriteString("3\n")
		if m := <-got; m != "3" {
			t.Fatalf("Recv got %q", m)
		}
	})
}

// SocketCount and NotifyClose wait for the peer's answer until their ctx
// ends (exactly then), or fail when the channel disconnects.
func TestSocketListWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		if _, err := c.SocketCount(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 3*time.Second {
			t.Fatalf("SocketCount without an answer: %v after %v", err, time.Since(start))
		}
		done := make(chan error, 1)
		go func() { done <- c.NotifyClose(context.Background(), "k") }()
		peer.ReadLine() // GET_COUNT
		if l, _ := peer.ReadLine(); l != `{"cmd":"NODE_SOCKET_NOTIFY_CLOSE","key":"k"}` {
			t.Fatalf("peer read %q", l)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("NotifyClose returned %v without an answer", err)
		default:
		}
		peer.WriteString(`{"cmd":"NODE_SOCKET_ALL_CLOSED","key":"k"}` + "\n")
		if err := <-done; err != nil {
			t.Fatalf("NotifyClose: %v", err)
		}
		go func() { done <- c.NotifyClose(context.Background(), "k") }()
		peer.ReadLine()
		peer.Close()
		if err := <-done; !errors.Is(err, ErrDisconnected) {
			t.Fatalf("NotifyClose at the disconnect: %v", err)
		}
	})
}
