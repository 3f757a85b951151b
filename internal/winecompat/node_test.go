//go:build wine

package winecompat

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestNodeForksNode proves the set-up with Node alone: a Windows Node parent
// forks a Windows Node child and exchanges messages (both serializations), a
// server and a socket with it.
func TestNodeForksNode(t *testing.T) {
	for _, n := range winNodes(t) {
		t.Run(n.Name, func(t *testing.T) {
			t.Log(n.run(t, 2*time.Minute, script(t, "win", "node-fork.js")))
		})
	}
}

// TestSharedServerNodeOnly: a Windows Node parent keeps listening on the
// server it sent to a Node child; it prints how the system spread 200
// connections between them (under wine the parent gets nearly all), the
// reference for the Go child's shared-server scenario.
func TestSharedServerNodeOnly(t *testing.T) {
	nodes := winNodes(t)
	n := nodes[len(nodes)-1]
	t.Log(n.run(t, time.Minute, script(t, "win", "node-fork.js"), "shared"))
}

// TestPipeEcho runs the Linux suite's echo parent (the JSON value table,
// 20,000 messages in order, a 16 MiB message both ways, disconnect) on
// Windows Node against pipe-echo, which echoes the frame data through
// winpipe's handle lookup, overlapped pipe and framing alone. Once, on the
// newest pinned Node: the library's own echo test below covers the rest.
func TestPipeEcho(t *testing.T) {
	exe := goExe(t, "pipe-echo")
	nodes := winNodes(t)
	n := nodes[len(nodes)-1]
	t.Log(n.run(t, 3*time.Minute, script(t, "node", "parent-echo.js"), exe, "echo"))
}

// TestNodeForksGoChild: Windows Node forks cmd/go-child in echo mode; the
// echo parent checks the value tables, 20,000 messages in order and a
// message above 64 KiB, and disconnects. JSON on every pinned Node, advanced
// on the newest (the V8 format per version is the Linux suite's business;
// here the frames are, and they are the same in both modes).
func TestNodeForksGoChild(t *testing.T) {
	exe := goExe(t, "go-child")
	nodes := winNodes(t)
	for i, n := range nodes {
		for _, mode := range modes(i, len(nodes)) {
			t.Run(n.Name+"/"+mode, func(t *testing.T) {
				t.Log(n.run(t, 3*time.Minute, script(t, "node", "parent-echo.js"), exe, "--serialization="+mode, "--skip=big", "echo"))
			})
		}
	}
}

// TestNodeSendsHandles: Windows Node passes a net.Server (its own listener
// closed after the hand-off, and kept listening: both processes accept) and
// pauseOnConnect net.Sockets to cmd/go-child serve, including Node's
// priority example with two Go children; the scenarios are the Linux
// suite's (testdata/node/handles-parent.js).
func TestNodeSendsHandles(t *testing.T) {
	exe := goExe(t, "go-child")
	for _, n := range winNodes(t) {
		for _, sc := range []string{"server", "shared-server", "socket-tcp", "priority", "socket-closed"} {
			t.Run(n.Name+"/"+sc, func(t *testing.T) {
				t.Log(n.run(t, 3*time.Minute, script(t, "node", "handles-parent.js"), sc, exe, "-"))
			})
		}
	}
}

// modes is the serializations to run on the i-th of n pinned Nodes: JSON
// on each, advanced too on the newest.
func modes(i, n int) []string {
	if i == n-1 {
		return []string{"json", "advanced"}
	}
	return []string{"json"}
}

// TestGoHelper runs testdata/win/parent-helper.js scenarios: Go sends a
// server and a socket that Node serves and answers, then disconnects;
// messages held behind a socket's ACK keep their order; a socket, servers
// (one with keepOpen) and 100 messages arrive in order, each with its
// handle (order); the Go child's handle count stays flat over 1,000
// transfers (handle-count: the Linux suite's many scenario makes 10,000,
// too slow under wine for CI). JSON on every pinned Node, advanced on the
// newest (order and handle-count in JSON only: the report is raw JSON, and
// the transfers are the same in both modes).
func TestGoHelper(t *testing.T) {
	child, helper := goExe(t, "go-child"), goExe(t, "go-helper")
	nodes := winNodes(t)
	for i, n := range nodes {
		for _, mode := range modes(i, len(nodes)) {
			for _, sc := range []string{"go-sends", "ack-order", "order", "handle-count"} {
				if (sc == "handle-count" || sc == "order") && mode == "advanced" {
					continue
				}
				t.Run(n.Name+"/"+mode+"/"+sc, func(t *testing.T) {
					out, err := n.execEnv(3*time.Minute, []string{"NODEIPC_SERIALIZATION=" + mode}, script(t, "win", "parent-helper.js"), sc, child, helper)
					if err != nil {
						t.Fatalf("%s parent-helper.js %s (%s): %v\n%s", n.Name, sc, mode, err, out)
					}
					t.Log(out)
				})
			}
		}
	}
}

// TestPackagesUnderWine runs package tests as Windows programs:
// nodeipc/internal/winpipe's own (framing over a real overlapped named
// pipe, EOF, deadlines and Close unblocking pipe reads, a non-pipe HANDLE
// refused, a socket duplicated and imported through WSAPROTOCOL_INFOW served
// by the Listener and Conn wrappers), nodeipc's TestPipe (nodeipc.Pipe over
// a named pipe: messages, a 1 MiB message, a listener and a connection
// handed across, disconnect) and its deterministic tests of the reader
// shared with Unix (receive back-pressure, Shutdown, the read hand-over, on
// the in-memory transport), and nodeipctest's (Pair, NewPair and
// StartChild, with the examples).
func TestPackagesUnderWine(t *testing.T) {
	for _, pkg := range []struct{ path, run string }{
		{"./nodeipc/internal/winpipe", ""},
		{"./nodeipc", "^(TestPipe|ExamplePipe|TestFlood|TestEchoLoopWithPeerNotReading|TestUnsolicitedAckStorm|TestSocketCountAnswerBehindFullQueue|TestAnswerBeyondHoldWaitsForReceive|TestHeldFramesSurviveDisconnect|TestShutdown|TestCloseTimeout|TestReadHandOverAndHoldTimer|TestSocketListWaits|TestMessagesNormalEnds|TestRecvKeepsDisconnectCause)"},
		{"./nodeipc/nodeipctest", ""},
	} {
		t.Run(filepath.Base(pkg.path), func(t *testing.T) {
			exe := filepath.Join(t.TempDir(), filepath.Base(pkg.path)+".test.exe")
			cmd := exec.Command("go", "test", "-c", "-o", exe, pkg.path)
			cmd.Dir = nodetest.Root(t)
			cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("building the %s tests for windows: %v\n%s", pkg.path, err, out)
			}
			args := []string{"-test.v", "-test.count=1"}
			if pkg.run != "" {
				args = append(args, "-test.run="+pkg.run)
			}
			out, err := runWine(2*time.Minute, exe, args...)
			if err != nil {
				t.Fatalf("%s tests under wine: %v\n%s", pkg.path, err, out)
			}
			t.Log(out)
		})
	}
}

// TestGoChildStall: receive back-pressure with Windows Node (the oldest
// pinned, JSON): a forked go-child serve gets 20,000 messages of 1 KiB with
// 5 connections handed over among them from a parent that then blocks for
// 2 s; every echo arrives in order and every client is served
// (testdata/node/stall-parent.js; the Linux suite runs it at full size).
func TestGoChildStall(t *testing.T) {
	exe := goExe(t, "go-child")
	n := winNodes(t)[0]
	out := n.run(t, 3*time.Minute, script(t, "node", "stall-parent.js"), "fork", exe, "20000", "2000", "1024", "5")
	if !strings.Contains(out, `"ok":true`) {
		t.Fatalf("stall-parent.js fork: %s", out)
	}
	t.Log(out)
}

// TestMalformedFrames: a Go parent (go-helper malformed, with a pipe and C
// runtime block of its own) writes a good message and then a bad libuv
// frame to a Go child: unknown flags, reserved2, data without the data flag,
// the connection flag without a transfer, a message past MaxMessageSize, EOF
// inside a frame, a transfer block that is no socket. The message before is
// received; then the channel ends with the typed error (or, for the bad
// transfer block, the handle message fails alone and the channel goes on).
func TestMalformedFrames(t *testing.T) {
	out, err := runWine(3*time.Minute, goExe(t, "go-helper"), "malformed")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Log(out)
}

// TestGoStartsNode: Go as the parent on Windows, nodeipc.Start forking the
// Windows node.exe, one message each way in each serialization.
func TestGoStartsNode(t *testing.T) {
	helper := goExe(t, "go-helper")
	for _, n := range winNodes(t) {
		t.Run(n.Name, func(t *testing.T) {
			out, err := runWineWith(n.Wine, 2*time.Minute, nil, helper, "start", winPath(n.Exe), winPath(script(t, "win", "child-echo.js")))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			t.Log(out)
		})
	}
}

// TestClusterGoWorkers: a Windows Node cluster primary forks two
// `go-child http-worker` workers, under SCHED_NONE (Node's default on
// Windows: the primary shares its listening socket and the workers accept
// on it) and SCHED_RR (the primary accepts and passes each connection):
// every request answered (under round-robin by both workers), a worker
// killed and its replacement serving, then cluster.disconnect() with every
// worker exiting 0 (testdata/win/cluster-primary.js).
func TestClusterGoWorkers(t *testing.T) {
	exe := goExe(t, "go-child")
	for _, n := range winNodes(t) {
		for _, policy := range []string{"none", "rr"} {
			t.Run(n.Name+"/"+policy, func(t *testing.T) {
				out, err := n.execEnv(2*time.Minute, []string{"NODE_CLUSTER_SCHED_POLICY=" + policy}, script(t, "win", "cluster-primary.js"), "go", exe)
				if err != nil {
					t.Fatalf("%s cluster-primary.js go (%s): %v\n%s", n.Name, policy, err, out)
				}
				t.Log(out)
			})
		}
	}
}

// TestClusterNodeWorkers is the same cluster with Node workers only, on the
// newest pinned Node: the reference for what TestClusterGoWorkers shows,
// including how the system spreads a shared socket's connections.
func TestClusterNodeWorkers(t *testing.T) {
	nodes := winNodes(t)
	n := nodes[len(nodes)-1]
	for _, policy := range []string{"none", "rr"} {
		t.Run(n.Name+"/"+policy, func(t *testing.T) {
			out, err := n.execEnv(2*time.Minute, []string{"NODE_CLUSTER_SCHED_POLICY=" + policy}, script(t, "win", "cluster-primary.js"), "node")
			if err != nil {
				t.Fatalf("%s cluster-primary.js node (%s): %v\n%s", n.Name, policy, err, out)
			}
			t.Log(out)
		})
	}
}

// TestGoPrimary: Go as the cluster primary on Windows (cluster.NewPrimary,
// go-helper primary) forks a Windows Node worker and a go-child
// http-worker, under round-robin (the primary accepts and passes each
// connection) and SCHED_NONE (it shares a listening socket): 100 requests
// answered (under round-robin by both), then both disconnected, exiting 0.
func TestGoPrimary(t *testing.T) {
	helper, child := goExe(t, "go-helper"), goExe(t, "go-child")
	for _, n := range winNodes(t) {
		for _, policy := range []string{"rr", "none"} {
			t.Run(n.Name+"/"+policy, func(t *testing.T) {
				out, err := runWineWith(n.Wine, 2*time.Minute, nil, helper, "primary", policy, winPath(n.Exe), winPath(script(t, "win", "cluster-primary.js")), winPath(child))
				if err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				t.Log(out)
			})
		}
	}
}
