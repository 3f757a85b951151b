package examples_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// newcomer are the three programs a new user writes first, with the most
// lines of code (neither blank nor comment) each may take: half of what they
// took before package nodeipc/worker, Channel.Shutdown and Messages' quiet
// end (88, 71 and 75 lines). The README teaches exactly this code.
var newcomer = []struct {
	dir      string
	maxLines int
}{
	{"jobs", 44},   // a concurrent job worker with progress messages
	{"http", 35},   // net/http on the sockets Node hands over
	{"parent", 37}, // a Go parent forking Node in advanced mode
}

// TestNewcomerPrograms runs each program against every pinned Node, checks
// its size, and checks that the README shows it as it is.
func TestNewcomerPrograms(t *testing.T) {
	root := nodetest.Root(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range newcomer {
		src, err := os.ReadFile(filepath.Join(root, "examples", p.dir, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if n := linesOfCode(src); n > p.maxLines {
			t.Errorf("examples/%s: %d lines of code, want at most %d", p.dir, n, p.maxLines)
		} else {
			t.Logf("examples/%s: %d lines of code (budget %d)", p.dir, n, p.maxLines)
		}
		if body := programBody(src); !bytes.Contains(readme, body) {
			t.Errorf("README.md does not show examples/%s/main.go from `package main` on", p.dir)
		}
		build := exec.Command("go", "build", "-o", filepath.Join(dir, p.dir), "./examples/"+p.dir)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			node.Run(t, time.Minute, filepath.Join(root, "examples", "jobs", "run.js"), filepath.Join(dir, "jobs"))
			node.Run(t, time.Minute, filepath.Join(root, "examples", "http", "run.js"), filepath.Join(dir, "http"))
			// The Go parent runs `node child.js` from $PATH.
			cmd := exec.Command(filepath.Join(dir, "parent"))
			cmd.Dir = filepath.Join(root, "examples", "parent")
			cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(node.Path)+string(os.PathListSeparator)+os.Getenv("PATH"))
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != "49 map[a:true b:true]\n" {
				t.Errorf("examples/parent: %v, output %q", err, out)
			}
		})
	}
}

// linesOfCode counts the lines that are neither blank nor comments only.
func linesOfCode(src []byte) int {
	n := 0
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "//") {
			n++
		}
	}
	return n
}

// programBody is the source from `package main` on (the README leaves the
// command's doc comment out).
func programBody(src []byte) []byte {
	if i := bytes.Index(src, []byte("package main\n")); i >= 0 {
		return src[i:]
	}
	return src
}
