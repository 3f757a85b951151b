//go:build recipes

// Package examples_test runs each tool recipe in this directory against the
// real npm package pinned in examples/package.json, on the newest pinned
// even-numbered (LTS line) Node, or on every pinned Node with
// NODEIPC_RECIPE_NODES=all. The tools must be installed first:
//
//	(cd examples && npm ci --no-audit --no-fund --ignore-scripts)
//	go test -tags recipes ./examples
//
// scripts/checks/50-tools.sh does both.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// recipes: the Node script of each tool and the Go binary it drives.
var recipes = []struct{ tool, script, binary string }{
	{"pm2", "pm2/run.js", "go-child"},
	{"throng", "throng/run.js", "go-child"},
	{"execa", "execa/run.mjs", "execa-worker"},
	{"workerpool", "workerpool/run.js", "workerpool-worker"},
	{"vscode-jsonrpc", "vscode-jsonrpc/run.js", "vscode-jsonrpc-worker"},
	{"jest-worker", "jest-worker/run.js", "jest-worker-worker"},
	{"tinypool", "tinypool/run.mjs", "tinypool-worker"},
}

var binaries = map[string]string{
	"go-child":              "./cmd/go-child",
	"execa-worker":          "./examples/execa/worker",
	"workerpool-worker":     "./examples/workerpool/worker",
	"vscode-jsonrpc-worker": "./examples/vscode-jsonrpc/worker",
	"jest-worker-worker":    "./examples/jest-worker/worker",
	"tinypool-worker":       "./examples/tinypool/worker",
}

func TestRecipes(t *testing.T) {
	root, nodes, _, bins := recipeSetup(t)
	for _, node := range nodes {
		t.Run(node.Name, func(t *testing.T) {
			for _, r := range recipes {
				t.Run(r.tool, func(t *testing.T) {
					node.Run(t, 2*time.Minute, filepath.Join(root, "examples", r.script), bins[r.binary])
				})
			}
		})
	}
}

// recipeSetup fails the test unless the recipe tools are installed, and
// returns the repository root, the Nodes to run the recipes on (the newest
// even-numbered pinned Node, or the newest pinned if none is even; every
// pinned Node with NODEIPC_RECIPE_NODES=all), a temporary directory, and
// the paths of the binaries (built there), by name.
func recipeSetup(t *testing.T) (root string, nodes []nodetest.Node, dir string, bins map[string]string) {
	t.Helper()
	root = nodetest.Root(t)
	if _, err := os.Stat(filepath.Join(root, "examples", "node_modules", "pm2")); err != nil {
		t.Fatalf("the recipe tools are not installed: run `npm ci --ignore-scripts` in %s/examples", root)
	}
	nodes = nodetest.Binaries(t)
	if os.Getenv("NODEIPC_RECIPE_NODES") != "all" {
		pick := nodes[len(nodes)-1]
		for _, n := range nodes {
			if n.Major()%2 == 0 {
				pick = n
			}
		}
		nodes = []nodetest.Node{pick}
	}
	dir = t.TempDir()
	bins = map[string]string{}
	for name, pkg := range binaries {
		bins[name] = filepath.Join(dir, name)
		goBuild(t, root, bins[name], pkg)
	}
	return root, nodes, dir, bins
}

// goBuild builds the package pkg (a path relative to root) into out.
func goBuild(t *testing.T, root, out, pkg string) {
	t.Helper()
	build := exec.Command("go", "build", "-o", out, pkg)
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}
