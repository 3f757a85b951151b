//go:build recipes

package examples_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestRecipesThroughTap runs the recipes again with cmd/nodeipc-tap
// between each tool and its Go worker (a wrapper script that execs the
// tap, given to the tool in place of the worker): each passes unchanged,
// and the log holds the traffic of both directions and no error.
func TestRecipesThroughTap(t *testing.T) {
	root := nodetest.Root(t)
	if _, err := os.Stat(filepath.Join(root, "examples", "node_modules", "pm2")); err != nil {
		t.Fatalf("the recipe tools are not installed: run `npm ci --ignore-scripts` in %s/examples", root)
	}
	nodes := nodetest.Binaries(t)
	if os.Getenv("NODEIPC_RECIPE_NODES") != "all" {
		pick := nodes[len(nodes)-1]
		for _, n := range nodes {
			if n.Major()%2 == 0 {
				pick = n
			}
		}
		nodes = []nodetest.Node{pick}
	}
	dir := t.TempDir()
	tap := filepath.Join(dir, "nodeipc-tap")
	build := exec.Command("go", "build", "-o", tap, "./cmd/nodeipc-tap")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build nodeipc-tap: %v\n%s", err, b)
	}
	bins := map[string]string{}
	for name, pkg := range binaries {
		bins[name] = filepath.Join(dir, name)
		build := exec.Command("go", "build", "-o", bins[name], pkg)
		build.Dir = root
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
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
