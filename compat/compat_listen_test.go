//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"os"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestNodeHandsSocketsToListener: a Node parent hands sockets and servers to
// `go-child http` workers, which serve them with net/http through
// nodeipc.HandedSockets, on every pinned Node (testdata/node/listen-parent.js):
// the priority example with keep-alive clients and server.close(), a server
// shared by Node and two Go workers, and the ready/shutdown/signal life
// cycle process managers expect.
func TestNodeHandsSocketsToListener(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, sc := range []string{"priority", "shared", "lifecycle"} {
				t.Run(sc, func(t *testing.T) {
					node.Run(t, 3*time.Minute, nodetest.Script(t, "listen-parent.js"), sc, goChild)
				})
			}
		})
	}
}

// TestNodeHandsSocketsToListenerAdvanced runs the priority and shared-server
// scenarios over serialization: 'advanced'.
func TestNodeHandsSocketsToListenerAdvanced(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, sc := range []string{"priority", "shared"} {
				t.Run(sc, func(t *testing.T) {
					cmd := node.Command(t, nodetest.Script(t, "listen-parent.js"), sc, goChild)
					cmd.Env = append(os.Environ(), "NODEIPC_SERIALIZATION=advanced")
					if err := cmd.Run(); err != nil {
						t.Fatalf("%s listen-parent.js %s (advanced): %v", node.Name, sc, err)
					}
				})
			}
		})
	}
}
