//go:build unix

package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

// TestMain runs the test binary as a worker when a Node parent in
// testdata/ forks it with NODEIPC_WORKER_TEST set.
func TestMain(m *testing.M) {
	if mode := os.Getenv("NODEIPC_WORKER_TEST"); mode != "" {
		os.Exit(workerModes[mode]())
	}
	os.Exit(m.Run())
}

var workerModes = map[string]func() int{
	"methods": func() int {
		// slow waits until 4 calls run at once, then returns the most that
		// ever ran at once: with Concurrency 4 every call returns 4.
		var inFlight, peak atomic.Int32
		var once sync.Once
		four := make(chan struct{})
		slow := func(ctx context.Context, call *worker.Call) (any, error) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			if n >= 4 {
				once.Do(func() { close(four) })
			}
			select {
			case <-four:
			case <-ctx.Done():
			}
			return peak.Load(), nil
		}
		methods := worker.Methods{
			"square": func(ctx context.Context, call *worker.Call) (any, error) {
				var n float64
				if err := call.Decode(&n); err != nil {
					return nil, err
				}
				if call.ID == float64(1) {
					call.Progress(map[string]int{"step": 1})
					call.Progress(map[string]int{"step": 2})
				}
				return n * n, nil
			},
			"echo": func(ctx context.Context, call *worker.Call) (any, error) {
				var v any
				err := call.Decode(&v)
				return v, err
			},
			"fail": func(ctx context.Context, call *worker.Call) (any, error) {
				return nil, &worker.Error{Name: "RangeError", Message: "too big", Data: map[string]int{"limit": 0}}
			},
			"plain-error": func(ctx context.Context, call *worker.Call) (any, error) {
				return nil, errors.New("it broke")
			},
			"panic": func(ctx context.Context, call *worker.Call) (any, error) { panic("boom") },
			"slow":  slow,
		}
		return worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
			return worker.Serve(ctx, ch, methods, &worker.Options{Concurrency: 4})
		}, nil)
	},
	"flood": func() int {
		n, _ := strconv.Atoi(os.Getenv("FLOOD_N"))
		return worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
			for i := 0; i < n; i++ {
				msg := map[string]int{"seq": i}
				err := ch.Post(msg)
				if errors.Is(err, nodeipc.ErrPostWouldBlock) {
					err = ch.Send(ctx, msg) // back-pressure: wait for room
				}
				if err != nil {
					return err
				}
			}
			return nil // Run flushes what is still queued
		}, &nodeipc.Options{MaxBufferedBytes: 64 << 10})
	},
	"fail": func() int {
		return worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
			ch.Post("before the failure")
			return errors.New("the job failed")
		}, nil)
	},
	"wait": func() int {
		return worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
			if err := ch.Send(ctx, "waiting"); err != nil {
				return err
			}
			<-ctx.Done() // SIGTERM
			ch.Post("terminated")
			return ctx.Err()
		}, nil)
	},
	"http": func() int {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if m := worker.RequestMessage(r); m != nil {
				var via struct{ Via string }
				m.Decode(&via)
				w.Header().Set("X-Message", via.Via)
			}
			io.WriteString(w, "go "+r.URL.Path)
		})}
		plain := worker.HandlerFunc(func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
			var s string
			if m.Decode(&s); s == "shutdown" {
				return worker.ErrStop
			}
			return ch.Send(ctx, "pong")
		})
		return worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
			return worker.ServeHTTP(ctx, ch, srv, plain, nil)
		}, nil)
	},
}

func testExe(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// TestMethodsWithNode: a Node parent speaks the documented request envelope
// to Methods, in both serializations, on every pinned Node.
func TestMethodsWithNode(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		for _, mode := range []string{"json", "advanced"} {
			t.Run(node.Name+"/"+mode, func(t *testing.T) {
				node.Run(t, 2*time.Minute, "testdata/methods-parent.js", testExe(t), mode)
			})
		}
	}
}

// TestRunFlushesWithNode: a worker posts 20,000 messages and returns from
// Run at once; the Node parent receives every one, in order, and the
// worker exits 0.
func TestRunFlushesWithNode(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		for _, mode := range []string{"json", "advanced"} {
			if mode == "advanced" && node.Major() < 20 {
				// Node 18's advanced-mode reader stops for good when a
				// read ends inside a frame's 4-byte length prefix
				// (nodejs/node#55834, fixed in 20 and 22 by #56106; see
				// the README): 20,000 posted frames hit it, whatever
				// the sender does.
				t.Logf("%s: advanced mode not flooded (nodejs/node#55834)", node.Name)
				continue
			}
			t.Run(node.Name+"/"+mode, func(t *testing.T) {
				node.Run(t, 2*time.Minute, "testdata/flood-parent.js", testExe(t), mode, fmt.Sprint(20000))
			})
		}
	}
}

// TestServeHTTPWithNode: net/http over sockets a Node server hands over,
// with keep-alive clients; Node's server.close() completes while they are
// connected, and 'shutdown' ends the worker with exit code 0.
func TestServeHTTPWithNode(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			node.Run(t, 2*time.Minute, "testdata/http-parent.js", testExe(t))
		})
	}
}
