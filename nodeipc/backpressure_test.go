package nodeipc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Receive back-pressure (holding in reader.go), on the in-memory
// transport in synctest bubbles: "the peer's writes block" is a goroutine
// durably blocked in the bubble, seen after synctest.Wait.

// writeLines writes the lines from..to-1 (the numbers) from a goroutine and
// closes done when they are all written.
func writeLines(peer *memPeer, from, to int) (done chan error) {
	done = make(chan error, 1)
	go func() {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "%d\n", i)
		}
		_, err := peer.Write([]byte(b.String()))
		done <- err
	}()
	return done
}

func recvNumbers(t *testing.T, c *Channel, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		m, err := c.Recv(context.Background())
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if got := string(m.Raw()); got != fmt.Sprint(i) {
			t.Fatalf("Recv %d: got %s", i, got)
		}
	}
}

// A flood while the application does not receive: the queue fills, the
// channel holds HoldBytes more and stops reading, the peer's write waits;
// when the application receives, everything arrives, in order.
func TestFloodStopsReadingUntilReceived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const queued, hold, n = 100, 1 << 10, 20000
		c, peer, err := memChannel(&Options{MaxQueuedMessages: queued, holdBytes: hold}, 4<<10)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		done := writeLines(peer, 0, n)
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("the peer wrote everything (%v): the channel did not stop reading", err)
		default:
		}
		// The read that filled the queue (at most what the pipe held)
		// plus the hold: at most 5 KiB of 2-byte frames at least.
		const maxHeld = hold + 4<<10
		if q := c.Queued(); q < queued || q > queued+maxHeld/2 {
			t.Errorf("Queued = %d, want the bound %d plus at most %d held", q, queued, maxHeld/2)
		}
		if c.in.len() != queued {
			t.Errorf("queue holds %d, want %d", c.in.len(), queued)
		}
		if c.rd.held > maxHeld {
			t.Errorf("%d bytes held, want at most %d", c.rd.held, maxHeld)
		}
		if p := peer.pending(); p != 4<<10 {
			t.Errorf("%d bytes waiting in the pipe, want it full", p)
		}
		if !c.Connected() {
			t.Fatalf("channel ended: %v", c.Err())
		}
		recvNumbers(t, c, 0, n)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if c.Queued() != 0 {
			t.Errorf("Queued = %d after everything was received", c.Queued())
		}
	})
}

// Issue finding: a peer writes messages to an echo loop and does not read
// the echoes for a while. The echo loop waits in Send, the channel stops
// reading; when the peer reads, everything flows and every echo arrives.
// (It used to end the channel with ErrOverrun, formerly ErrQueueFull.)
func TestEchoLoopWithPeerNotReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 30000
		c, peer, err := memChannel(&Options{MaxQueuedMessages: 1000, holdBytes: 8 << 10}, 16<<10)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go func() {
			for m, err := range c.Messages(context.Background()) {
				if err != nil {
					t.Errorf("echo loop: %v", err)
					continue
				}
				if err := c.SendRaw(context.Background(), m.Raw()); err != nil {
					return
				}
			}
		}()
		done := writeLines(peer, 0, n)
		synctest.Wait() // everybody blocked: the peer reads nothing yet
		time.Sleep(5 * time.Second)
		if !c.Connected() {
			t.Fatalf("channel ended: %v", c.Err())
		}
		for i := range n {
			l, err := peer.ReadLine()
			if err != nil || l != fmt.Sprint(i) {
				t.Fatalf("echo %d: %q, %v", i, l, err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// Issue finding: an unsolicited NODE_HANDLE_ACK/NACK storm is ignored as
// Node ignores it (counted); the message behind it arrives first, and the
// storm takes no room in the queue. (It used to queue one error each and
// then end the channel.)
func TestUnsolicitedAckStorm(t *testing.T) {
	for _, mode := range []Serialization{JSON, Advanced} {
		t.Run(mode.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n = 100000
				c, peer, err := memChannel(&Options{Serialization: mode, MaxQueuedMessages: 10}, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				var b []byte
				for i := range n {
					cmd := "NODE_HANDLE_ACK"
					if i%2 == 1 {
						cmd = "NODE_HANDLE_NACK"
					}
					b, _ = c.codec.appendInternal(b, []field{{"cmd", cmd}})
				}
				b, _ = c.codec.appendFrame(b, "sync", 1<<20)
				done := make(chan error, 1)
				go func() { _, err := peer.Write(b); done <- err }()
				m, err := c.Recv(context.Background())
				if err != nil {
					t.Fatalf("Recv: %v", err)
				}
				var s string
				if err := m.Decode(&s); err != nil || s != "sync" {
					t.Fatalf("Recv: %v (%v), want \"sync\"", m, err)
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				if got := c.unsolicitedAcks.Load(); got != n {
					t.Errorf("%d unsolicited answers counted, want %d", got, n)
				}
				if !c.Connected() || c.Queued() != 0 {
					t.Errorf("Connected %v, Queued %d", c.Connected(), c.Queued())
				}
			})
		})
	}
}

// The answer to this end's own request behind a full queue: SocketCount
// waits for NODE_SOCKET_COUNT, which the peer sends after more messages
// than the queue holds, while the application does not receive. The
// channel reads on into its hold and acts on the answer.
func TestSocketCountAnswerBehindFullQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(&Options{MaxQueuedMessages: 10, holdBytes: 4 << 10}, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		got := make(chan int, 1)
		go func() {
			n, err := c.SocketCount(context.Background(), "k")
			if err != nil {
				t.Error(err)
			}
			got <- n
		}()
		if l, err := peer.ReadLine(); err != nil || l != `{"cmd":"NODE_SOCKET_GET_COUNT","key":"k"}` {
			t.Fatalf("peer read %q, %v", l, err)
		}
		<-writeLines(peer, 0, 100)
		peer.WriteString(`{"cmd":"NODE_SOCKET_COUNT","key":"k","count":3}` + "\n")
		if n := <-got; n != 3 {
			t.Fatalf("SocketCount = %d, want 3", n)
		}
		recvNumbers(t, c, 0, 100)
	})
}

// An answer further than the hold behind the point where the queue filled
// waits for the application: the request ends with its own ctx, the
// channel stays usable, and the answer is acted upon once the application
// has received what was before it.
func TestAnswerBeyondHoldWaitsForReceive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(&Options{MaxQueuedMessages: 10, holdBytes: 256}, 1<<10)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errc := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := c.SocketCount(ctx, "k")
			errc <- err
		}()
		peer.ReadLine()
		done := make(chan error, 1)
		go func() { // far more than queue, hold and pipe, then the answer
			<-writeLines(peer, 0, 2000)
			done <- peer.WriteString(`{"cmd":"NODE_SOCKET_COUNT","key":"k","count":1}` + "\n")
		}()
		if err := <-errc; !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Fatalf("SocketCount: %v after %v, want the deadline after 10s", err, time.Since(start))
		}
		recvNumbers(t, c, 0, 2000)
		if err := <-done; err != nil || !c.Connected() {
			t.Fatalf("write %v, channel %v", err, c.Err())
		}
		// The late answer finds no waiter and is dropped (once read: the
		// background reader takes the read side back after recvHold); a
		// new request is answered.
		time.Sleep(time.Second)
		synctest.Wait()
		go func() {
			n, err := c.SocketCount(context.Background(), "k")
			if err != nil || n != 2 {
				t.Errorf("SocketCount = %d, %v", n, err)
			}
			errc <- nil
		}()
		peer.ReadLine()
		peer.WriteString(`{"cmd":"NODE_SOCKET_COUNT","key":"k","count":2}` + "\n")
		<-errc
	})
}

// When the peer disconnects while frames are held, they are still
// returned by Recv, in order, before the end.
func TestHeldFramesSurviveDisconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, peer, err := memChannel(&Options{MaxQueuedMessages: 10}, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		<-writeLines(peer, 0, 500)
		peer.Close()
		synctest.Wait()
		recvNumbers(t, c, 0, 500)
		if _, err := c.Recv(context.Background()); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("Recv after: %v", err)
		}
	})
}

// Holding works the same in advanced mode.
func TestFloodAdvanced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 5000
		c, peer, err := memChannel(&Options{Serialization: Advanced, MaxQueuedMessages: 50, holdBytes: 512}, 2<<10)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var b []byte
		for i := range n {
			b, _ = c.codec.appendFrame(b, i, 1<<20)
		}
		done := make(chan error, 1)
		go func() { _, err := peer.Write(b); done <- err }()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("the channel did not stop reading")
		default:
		}
		for i := range n {
			m, err := c.Recv(context.Background())
			var v int
			if err != nil || m.Decode(&v) != nil || v != i {
				t.Fatalf("Recv %d: %v %v", i, m, err)
			}
		}
		<-done
	})
}
