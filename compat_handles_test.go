package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

func init() {
	helpers["handles-hold"] = helperHandlesHold
	helpers["handles-report"] = helperHandlesReport
	helpers["handles-count"] = helperHandlesCount
}

// TestNodeSendsHandles: a Node parent passes servers, sockets and UDP
// sockets to Go children (go-child serve and the helpers below), on every
// pinned Node. The scenarios are in testdata/node/handles-parent.js.
func TestNodeSendsHandles(t *testing.T) {
	scenarios := []string{
		"server", "shared-server", "socket-tcp", "socket-unix", "priority",
		"socket-closed", "dgram", "socket-list", "order", "many",
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc, func(t *testing.T) {
					node.Run(t, 3*time.Minute, nodetest.Script(t, "handles-parent.js"), sc, goChild, testExe(t))
				})
			}
		})
	}
}

// helperMain runs a helper body over the channel from the Node parent.
func helperMain(name string, body func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error) int {
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 2
	}
	defer ch.Close()
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, name+": recv:", err)
			return 1
		}
		if err := body(ctx, ch, m); err != nil {
			fmt.Fprintln(os.Stderr, name+":", err)
			return 1
		}
	}
}

// helperHandlesHold keeps every socket it receives (after writing "held" to
// it) until the parent sends {close: n}; it reports {held: n} after each
// socket and {closed, held} after each close.
func helperHandlesHold() int {
	var held []net.Conn
	return helperMain("handles-hold", func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if c := m.Conn(); c != nil {
			if _, ok := c.(*nodeipc.TrackedConn); !ok {
				return fmt.Errorf("socket with key %q is a %T, want a *nodeipc.TrackedConn", m.Key(), c)
			}
			io.WriteString(c, "held")
			held = append(held, c)
			return ch.Send(ctx, map[string]int{"held": len(held)})
		}
		var req struct{ Close int }
		if err := m.Decode(&req); err != nil {
			return err
		}
		for _, c := range held[:req.Close] {
			c.Close()
		}
		held = held[req.Close:]
		return ch.Send(ctx, map[string]int{"closed": req.Close, "held": len(held)})
	})
}

type report struct {
	Got  json.RawMessage `json:"got"`
	Type string          `json:"type"`
	Key  string          `json:"key"`
}

// helperHandlesReport answers every message with {got, type, key}, writes
// "report" to sockets and closes every handle.
func helperHandlesReport() int {
	return helperMain("handles-report", func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if c := m.Conn(); c != nil {
			io.WriteString(c, "report")
		}
		if h, ok := m.Handle().(io.Closer); ok {
			h.Close()
		}
		return ch.Send(ctx, report{Got: m.Raw(), Type: m.HandleType(), Key: m.Key()})
	})
}

// helperHandlesCount closes every handle and counts them; {report: true}
// is answered with {count, fds}: the handles so far and this process's
// open descriptors.
func helperHandlesCount() int {
	count := 0
	return helperMain("handles-count", func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error {
		if h := m.Handle(); h != nil {
			count++
			return h.(io.Closer).Close()
		}
		var req struct{ Report bool }
		if err := m.Decode(&req); err != nil || !req.Report {
			return fmt.Errorf("unexpected message %s (handle type %q)", m.Raw(), m.HandleType())
		}
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return err
		}
		return ch.Send(ctx, map[string]int{"count": count, "fds": len(fds)})
	})
}
