//go:build wine

package winecompat

import (
	"testing"
	"time"
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
