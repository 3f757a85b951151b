//go:build recipes

package examples_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestRecipesThroughTap runs the recipes again with cmd/nodeipc-tap
// between each tool and its Go worker (a wrapper script that execs the
// tap, given to the tool in place of the worker): each passes unchanged,
// and the log holds the traffic of both directions and no error. A recipe
// that SIGKILLs a worker kills the tap, which takes along what it has not
// relayed yet; the throng recipe waits until no handoff to the worker
// awaits its ACK first (see examples/throng/run.js).
func TestRecipesThroughTap(t *testing.T) {
	root, nodes, dir, bins := recipeSetup(t)
	tap := filepath.Join(dir, "nodeipc-tap")
	goBuild(t, root, tap, "./cmd/nodeipc-tap")
	for _, node := range nodes {
		for _, r := range recipes {
			t.Run(node.Name+"/"+r.tool, func(t *testing.T) { tapRecipe(t, root, node, tap, r.tool, r.script, bins[r.binary]) })
		}
	}
}

// tapRecipe runs one recipe with the tap in front of bin and checks the log.
func tapRecipe(t *testing.T, root string, node nodetest.Node, tap, tool, recipe, bin string) {
	log := filepath.Join(t.TempDir(), "ipc.log")
	wrapper := filepath.Join(t.TempDir(), filepath.Base(bin))
	script := "#!/bin/sh\nexec '" + tap + "' --log '" + log + "' --format jsonl -- '" + bin + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	node.Run(t, 2*time.Minute, filepath.Join(root, "examples", recipe), wrapper)
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]int{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var e struct{ Event, Dir, Error string }
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("log line is not JSON (%v): %s", err, line)
		}
		if e.Event == "frame" {
			dirs[e.Dir]++
		}
		if e.Error != "" && e.Event == "frame" {
			t.Errorf("frame that does not decode: %s", line)
		}
	}
	if dirs["parent->child"] == 0 || dirs["child->parent"] == 0 {
		t.Errorf("frames logged per direction: %v\n%s", dirs, b)
	}
	t.Logf("%s through the tap: %v frames", tool, dirs)
}
