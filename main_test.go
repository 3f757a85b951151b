package compat

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nodeipc/nodeipc-go/internal/leakcheck"
)

// helpers are behaviours of this test binary when a Node parent forks it
// with NODEIPC_TEST_HELPER set. Each returns the process exit code.
var helpers = map[string]func() int{
	"echo-late": helperEchoLate,
	"go-sends":  helperGoSends,
}

// goChild is the go-child binary built by TestMain.
var goChild string

func TestMain(m *testing.M) {
	if name := os.Getenv("NODEIPC_TEST_HELPER"); name != "" {
		h, ok := helpers[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(h())
	}
	dir, err := os.MkdirTemp("", "nodeipc-compat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goChild = filepath.Join(dir, "go-child")
	build := exec.Command("go", "build", "-o", goChild, "./cmd/go-child")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building go-child:", err)
		os.Exit(1)
	}
	code := leakcheck.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperCmdEnv returns the environment entry that makes this binary a helper.
func helperEnv(name string) string { return "--env=NODEIPC_TEST_HELPER=" + name }

// testExe is the path of this test binary.
func testExe(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// openFDs lists this process's open descriptors.
func openFDs(t testing.TB) []string {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		out = append(out, e.Name()+"->"+target)
	}
	sort.Strings(out)
	return out
}

func joinLines(s []string) string { return strings.Join(s, "\n") }
