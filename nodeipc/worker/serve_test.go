//go:build unix

package worker_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/nodeipctest"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// serve runs worker.Serve in the background for the rest of the test. The
// cleanup closes the channel and waits until Serve returned, so that
// nothing a handler does (a reply being encoded) outlives the test.
func serve(t *testing.T, ctx context.Context, ch *nodeipc.Channel, h worker.Handler, opts *worker.Options) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		worker.Serve(ctx, ch, h, opts)
	}()
	t.Cleanup(func() {
		ch.Close()
		<-done
	})
}

// TestServeReportsAndGoesOn: a malformed line, a handler error and a
// handler panic each reach OnError and the loop goes on; ErrStop ends
// Serve with nil, after the handlers in flight finished.
func TestServeReportsAndGoesOn(t *testing.T) {
	peer, ch := nodeipctest.NewPair(t, nil)
	ctx := testCtx(t)
	var mu sync.Mutex
	var reported []error
	var handled []string
	h := worker.HandlerFunc(func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		var s string
		m.Decode(&s)
		mu.Lock()
		handled = append(handled, s)
		mu.Unlock()
		switch s {
		case "fail":
			return errors.New("handler failed")
		case "panic":
			panic("handler panicked")
		case "stop":
			return worker.ErrStop
		}
		return nil
	})
	peer.WriteRaw([]byte("not json\n"))
	for _, s := range []string{"a", "fail", "panic", "b", "stop", "never"} {
		if err := peer.Send(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	err := worker.Serve(ctx, ch, h, &worker.Options{OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatalf("Serve = %v, want nil after ErrStop", err)
	}
	if got := strings.Join(handled, ","); got != "a,fail,panic,b,stop" {
		t.Errorf("handled %s", got)
	}
	var pe *nodeipc.ProtocolError
	if len(reported) != 3 || !errors.As(reported[0], &pe) || !strings.Contains(reported[1].Error(), "handler failed") || !strings.Contains(reported[2].Error(), "handler panicked") {
		t.Errorf("reported %v", reported)
	}
	// The message after "stop" is still there for the next loop.
	if m, err := ch.Recv(ctx); err != nil || m.String() != `"never"` {
		t.Errorf("after ErrStop: %v %v", m, err)
	}
}

// TestServeEndsNormally: the peer's disconnect ends Serve with nil; Serve
// does not close the channel itself.
func TestServeEndsNormally(t *testing.T) {
	peer, ch := nodeipctest.NewPair(t, nil)
	ctx := testCtx(t)
	peer.Send(ctx, "x")
	peer.Close()
	n := 0
	err := worker.Serve(ctx, ch, worker.HandlerFunc(func(context.Context, *nodeipc.Channel, *nodeipc.Message) error {
		n++
		return nil
	}), nil)
	if err != nil || n != 1 {
		t.Errorf("Serve = %v after %d messages, want nil after 1", err, n)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	peer2, ch2 := nodeipctest.NewPair(t, nil)
	defer peer2.Close()
	if err := worker.Serve(cctx, ch2, worker.Methods{}, nil); err != nil {
		t.Errorf("Serve with an ended ctx = %v, want nil", err)
	}
	if !ch2.Connected() {
		t.Error("Serve closed the channel")
	}
}

// TestServeConcurrencyBound: with Concurrency 3, three handlers run at
// once and a fourth starts only when one finishes.
func TestServeConcurrencyBound(t *testing.T) {
	peer, ch := nodeipctest.NewPair(t, nil)
	ctx := testCtx(t)
	started := make(chan int, 10)
	release := make(chan struct{})
	h := worker.HandlerFunc(func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		var i int
		m.Decode(&i)
		started <- i
		<-release
		return nil
	})
	for i := 0; i < 6; i++ {
		peer.Send(ctx, i)
	}
	done := make(chan error, 1)
	go func() { done <- worker.Serve(ctx, ch, h, &worker.Options{Concurrency: 3}) }()
	seen := map[int]bool{}
	for i := 0; i < 3; i++ {
		seen[<-started] = true
	}
	select {
	case i := <-started:
		t.Fatalf("handler %d started while 3 were running", i)
	default:
	}
	release <- struct{}{} // one finishes: exactly one more starts
	seen[<-started] = true
	select {
	case i := <-started:
		t.Fatalf("handler %d started while 3 were running", i)
	default:
	}
	close(release)
	for len(seen) < 6 {
		seen[<-started] = true
	}
	peer.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestMethodsEnvelope: requests, progress, replies and errors on the wire,
// in both serializations.
func TestMethodsEnvelope(t *testing.T) {
	for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
		t.Run(mode.String(), func(t *testing.T) {
			peer, ch := nodeipctest.NewPair(t, &nodeipctest.Options{Serialization: mode})
			ctx := testCtx(t)
			serve(t, ctx, ch, worker.Methods{
				"add": func(ctx context.Context, call *worker.Call) (any, error) {
					var p struct{ A, B int }
					if err := call.Decode(&p); err != nil {
						return nil, err
					}
					call.Progress("adding")
					return p.A + p.B, nil
				},
			}, nil)
			send := func(v any) {
				if err := peer.Send(ctx, v); err != nil {
					t.Fatal(err)
				}
			}
			recv := func() map[string]any {
				m, err := peer.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var v map[string]any
				if err := m.Decode(&v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			send(map[string]any{"id": "a", "method": "add", "params": map[string]int{"a": 2, "b": 3}})
			if v := recv(); v["id"] != "a" || v["progress"] != "adding" {
				t.Errorf("progress: %v", v)
			}
			if v := recv(); v["id"] != "a" || v["result"] != 5.0 || len(v) != 2 {
				t.Errorf("reply: %v", v)
			}
			send(map[string]any{"id": 2, "method": "add", "params": "x"})
			if v := recv(); v["id"] != 2.0 || v["error"].(map[string]any)["name"] != "InvalidParams" {
				t.Errorf("invalid params: %v", v)
			}
			send(map[string]any{"id": 3, "method": "sub"})
			if v := recv(); v["error"].(map[string]any)["name"] != "MethodNotFound" {
				t.Errorf("unknown method: %v", v)
			}
		})
	}
}

// TestCallDecodeKeepsCause: InvalidParams wraps the *nodeipc.DecodeError.
func TestCallDecodeKeepsCause(t *testing.T) {
	peer, ch := nodeipctest.NewPair(t, nil)
	ctx := testCtx(t)
	got := make(chan error, 1)
	serve(t, ctx, ch, worker.Methods{"m": func(ctx context.Context, call *worker.Call) (any, error) {
		var n int
		err := call.Decode(&n)
		got <- err
		return nil, err
	}}, nil)
	peer.Send(ctx, map[string]any{"id": 1, "method": "m", "params": "x"})
	err := <-got
	var de *nodeipc.DecodeError
	var we *worker.Error
	if !errors.As(err, &de) || !errors.As(err, &we) || we.Name != "InvalidParams" {
		t.Errorf("Decode error %v: want an InvalidParams *worker.Error wrapping a *nodeipc.DecodeError", err)
	}
}

// TestServeReturnsFailure: a channel that breaks (here the peer sends a
// message over MaxMessageSize while the handler is busy) ends Serve with
// that error; the handler's own failure after the end is not reported.
func TestServeReturnsFailure(t *testing.T) {
	peer, ch := nodeipctest.NewPair(t, &nodeipctest.Options{Worker: &nodeipc.Options{MaxMessageSize: 64}})
	ctx := testCtx(t)
	var reported []error
	busy := worker.HandlerFunc(func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		<-ctx.Done() // ends with the channel
		return ctx.Err()
	})
	go func() {
		peer.Send(ctx, 1)
		peer.Send(ctx, strings.Repeat("x", 100))
	}()
	err := worker.Serve(ctx, ch, busy, &worker.Options{OnError: func(err error) { reported = append(reported, err) }})
	if !errors.Is(err, nodeipc.ErrMessageTooLarge) {
		t.Errorf("Serve = %v, want ErrMessageTooLarge", err)
	}
	if len(reported) != 0 {
		t.Errorf("reported %v after the channel ended", reported)
	}
}
