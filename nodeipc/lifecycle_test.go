package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The channel's lifecycle (Shutdown, Close, Context, the end of Messages,
// the errors after the end), on the in-memory transport in a synctest
// bubble: the deadlines are the bubble's clock, exact and instant.

// readAll reads lines from the peer until EOF and sends them on out.
func readAll(peer *memPeer, out chan<- []string) {
	var got []string
	for {
		l, err := peer.ReadLine()
		if err != nil {
			out <- got
			return
		}
		got = append(got, l)
	}
}

// Shutdown writes every posted message before it closes, however slowly
// the peer reads.
func TestShutdownFlushesPosted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 512)
		if err != nil {
			t.Fatal(err)
		}
		const n = 1000
		for i := range n {
			if err := c.Post(i); err != nil {
				t.Fatal(err)
			}
		}
		out := make(chan []string, 1)
		go readAll(peer, out)
		if err := c.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		got := <-out
		if len(got) != n {
			t.Fatalf("peer got %d messages, want %d", len(got), n)
		}
		for i, l := range got {
			if l != fmt.Sprint(i) {
				t.Fatalf("message %d is %q", i, l)
			}
		}
		if err := c.Post(1); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Post after Shutdown: %v", err)
		}
	})
}

// Shutdown gives up when ctx ends, closes anyway, and says what was left.
func TestShutdownBoundedByContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, err := memChannel(nil, 512)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1000 {
			if err := c.Post(i); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		err = c.Shutdown(ctx) // the peer never reads
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Shutdown took %v, want 5s", d)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "nodeipc: shutdown: ") || !strings.Contains(err.Error(), "not written") {
			t.Errorf("Shutdown: %v", err)
		}
		if c.Connected() || !errors.Is(c.Err(), net.ErrClosed) {
			t.Errorf("after Shutdown: Connected %v, Err %v", c.Connected(), c.Err())
		}
		if err := c.Shutdown(context.Background()); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
	})
}

// Close waits CloseTimeout for a peer that does not read, not longer.
func TestCloseTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, err := memChannel(&Options{CloseTimeout: 3 * time.Second}, 512)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 1000 {
			if err := c.Post(i); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		err = c.Close()
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("Close took %v, want 3s", d)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "nodeipc: close: ") || !strings.Contains(err.Error(), "within 3s") {
			t.Errorf("Close: %v", err)
		}
	})
}

// Close with nothing queued returns at once.
func TestCloseIdleIsImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v", d)
		}
		if _, err := peer.ReadLine(); err != io.EOF {
			t.Errorf("peer after Close: %v, want EOF", err)
		}
	})
}

// Context is done when the channel ends, with the terminal error as cause.
func TestContextEndsWithChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := c.Context()
		synctest.Wait()
		if ctx.Err() != nil {
			t.Fatalf("Context done while connected: %v", ctx.Err())
		}
		peer.Close()
		<-ctx.Done()
		if !errors.Is(ctx.Err(), context.Canceled) || context.Cause(ctx) != c.Err() || !errors.Is(c.Err(), ErrDisconnected) {
			t.Fatalf("ctx %v, cause %v, Err %v", ctx.Err(), context.Cause(ctx), c.Err())
		}
	})
}

// A normal end ends Messages without an error value: the peer's
// disconnect, this end's Close, ctx's end.
func TestMessagesNormalEnds(t *testing.T) {
	ends := map[string]func(c *Channel, peer *memPeer, cancel context.CancelFunc){
		"peer disconnect": func(_ *Channel, peer *memPeer, _ context.CancelFunc) { peer.Close() },
		"Close":           func(c *Channel, _ *memPeer, _ context.CancelFunc) { c.Close() },
		"Shutdown":        func(c *Channel, _ *memPeer, _ context.CancelFunc) { c.Shutdown(context.Background()) },
		"ctx":             func(_ *Channel, _ *memPeer, cancel context.CancelFunc) { cancel() },
	}
	for name, end := range ends {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, peer, err := memChannel(nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				peer.WriteString("1\n2\n")
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var got []string
				for m, err := range c.Messages(ctx) {
					if err != nil {
						t.Errorf("Messages yielded %v", err)
						continue
					}
					got = append(got, string(m.Raw()))
					if len(got) == 2 {
						end(c, peer, cancel)
					}
				}
				if strings.Join(got, " ") != "1 2" {
					t.Errorf("got %q", got)
				}
			})
		})
	}
}

// A failure is yielded, last: here a message over MaxMessageSize.
func TestMessagesYieldsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(&Options{MaxMessageSize: 8}, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		peer.WriteString("1\n\"0123456789\"\n")
		var got []string
		for m, err := range c.Messages(context.Background()) {
			if err != nil {
				got = append(got, "error")
				if !errors.Is(err, ErrMessageTooLarge) {
					t.Errorf("yielded %v", err)
				}
				continue
			}
			got = append(got, string(m.Raw()))
		}
		if strings.Join(got, " ") != "1 error" {
			t.Errorf("got %q", got)
		}
	})
}

// The system's cause of a disconnect is kept on the read side, as on the
// write side: errors.Is(err, errConnReset) after Recv.
func TestRecvKeepsDisconnectCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		peer.Reset()
		_, err = c.Recv(context.Background())
		if !errors.Is(err, ErrDisconnected) || !errors.Is(err, errConnReset) {
			t.Fatalf("Recv: %v; want ErrDisconnected and ECONNRESET", err)
		}
		if err := c.Send(context.Background(), 1); !errors.Is(err, errConnReset) {
			t.Fatalf("Send after: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "nodeipc: ") || strings.Count(err.Error(), "nodeipc: ") != 1 {
			t.Fatalf("text %q", err)
		}
	})
}

// After this end's Close every operation fails with an error that wraps
// net.ErrClosed and says "nodeipc: ".
func TestClosedErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		_, recvErr := c.Recv(context.Background())
		errs := map[string]error{
			"Send": c.Send(context.Background(), 1),
			"Post": c.Post(1),
			"Recv": recvErr,
			"Err":  c.Err(),
		}
		for op, err := range errs {
			if !errors.Is(err, net.ErrClosed) || !strings.HasPrefix(fmt.Sprint(err), "nodeipc: ") {
				t.Errorf("%s after Close: %v", op, err)
			}
		}
	})
}

// Queued counts what waits for Recv.
func TestQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		peer.WriteString("1\n2\nnot json\n")
		synctest.Wait()
		if n := c.Queued(); n != 3 {
			t.Fatalf("Queued = %d, want 3", n)
		}
		c.Recv(context.Background())
		if n := c.Queued(); n != 2 {
			t.Fatalf("Queued = %d, want 2", n)
		}
	})
}
