//go:build linux

package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// stallResult is what stall-parent.js prints.
type stallResult struct {
	OK        bool
	Alive     bool
	Echoes    int
	Code      any
	HwmKiB    int64
	SentKiB   int64
	UnreadKiB int64
	Clients   int
	Stderr    string
	Error     string
}

// Receive back-pressure against real Node, every pinned version, both
// serializations. A Node parent sends go-child 100,000 messages and reads
// nothing for 5 s, then reads:
//
//   - raw: go-child echo on the channel's socket spoken by hand, the parent
//     pausing the socket; 4 KiB messages, 400 MB in all. go-child's echo
//     loop soon waits (its write queue, MaxBufferedBytes, is full), its
//     receive queue fills and it stops reading: most of the 400 MB stays
//     unread on the Node side, go-child stays alive under 256 MiB peak RSS
//     (it used to end the channel with ErrQueueFull), and every echo
//     arrives in order.
//   - fork: go-child serve, forked, 1 KiB messages with 10 accepted
//     connections handed over among them; the parent blocks its event loop
//     for the stall. Every echo arrives in order and every client is
//     served.
func TestGoChildStallBackPressure(t *testing.T) {
	const n, stallMS, sockets = 100000, 5000, 10
	// What go-child may hold live: its receive queue (16 MiB), the hold
	// (4 MiB and a read), and its posted replies (MaxBufferedBytes, 64 MiB);
	// the garbage collector may let the heap reach twice that (measured:
	// 65-200 MiB).
	const maxHwmKiB = 256 << 10
	for _, node := range nodetest.Binaries(t) {
		for _, mode := range []string{"json", "advanced"} {
			for _, scenario := range []string{"raw", "fork"} {
				t.Run(node.Name+"/"+mode+"/"+scenario, func(t *testing.T) {
					size := 1024
					if scenario == "raw" {
						size = 4096
					}
					cmd := node.Command(t, nodetest.Script(t, "stall-parent.js"), scenario, goChild,
						fmt.Sprint(n), fmt.Sprint(stallMS), fmt.Sprint(size), fmt.Sprint(sockets))
					cmd.Env = append(cmd.Environ(), "NODEIPC_SERIALIZATION="+mode)
					var out bytes.Buffer
					cmd.Stdout = &out
					runErr := cmd.Run()
					var res stallResult
					if err := json.Unmarshal(out.Bytes(), &res); err != nil {
						t.Fatalf("stall-parent.js (%v) printed %q: %v", runErr, out.String(), err)
					}
					t.Logf("%s: %+v", scenario, res)
					if !res.OK || runErr != nil {
						t.Errorf("stall-parent.js %s: %v, %+v", scenario, runErr, res)
					}
					if !res.Alive || res.Echoes != n || res.Stderr != "" {
						t.Errorf("go-child alive %v, %d echoes of %d, stderr %q", res.Alive, res.Echoes, n, res.Stderr)
					}
					if res.HwmKiB == 0 || res.HwmKiB > maxHwmKiB {
						t.Errorf("go-child peak RSS %d KiB, want at most %d KiB", res.HwmKiB, maxHwmKiB)
					}
					switch scenario {
					case "raw":
						// go-child stopped reading: what it took in during the
						// stall stays within what the documented bounds let it
						// hold (README "Limits and memory"), far below what
						// was sent: its receive queue, the hold and one read,
						// its queued replies, and the two sockets' kernel
						// buffers (slack). Which of them fill first depends on
						// timing: a run where the echo loop queues its full
						// MaxBufferedBytes of replies before it blocks reads
						// ~84 MiB, one where it blocks sooner ~20 MiB.
						const readSlackKiB = 8 << 10
						budgetKiB := int64(nodeipc.DefaultMaxQueuedBytes+nodeipc.HoldBytes+64<<10+nodeipc.DefaultMaxBufferedBytes)>>10 + readSlackKiB
						if read := res.SentKiB - res.UnreadKiB; read > budgetKiB || res.SentKiB < 4*budgetKiB {
							t.Errorf("go-child read %d of %d KiB during the stall (its bounds allow %d KiB): it did not stop reading", read, res.SentKiB, budgetKiB)
						}
					case "fork":
						if res.Clients != sockets {
							t.Errorf("%d of %d clients served", res.Clients, sockets)
						}
					}
				})
			}
		}
	}
}
