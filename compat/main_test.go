package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/leakcheck"
	"github.com/nodeipc/nodeipc-go/internal/testsock"
	"github.com/nodeipc/nodeipc-go/nodeipc"
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
	build := exec.Command("go", "build", "-o", goChild, "../cmd/go-child")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building go-child:", err)
		os.Exit(1)
	}
	code := leakcheck.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperEnv returns the parent-script argument (--env=NAME=VALUE) that
// starts this test binary as the named helper.
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
	fds, err := testsock.OpenFDs()
	if err != nil {
		t.Fatal(err)
	}
	return fds
}

// helperMain runs a helper body for every message from the Node parent,
// starting to receive only after delay; it returns 0 when the parent
// disconnects and 1 on any error.
func helperMain(name string, delay time.Duration, body func(ctx context.Context, ch *nodeipc.Channel, m *nodeipc.Message) error) int {
	ch, err := nodeipc.FromEnv(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 2
	}
	defer ch.Close()
	time.Sleep(delay)
	ctx := context.Background()
	for {
		m, err := ch.Recv(ctx)
		if errors.Is(err, nodeipc.ErrDisconnected) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, name+": recv:", err)
			return 1
		}
		if err := body(ctx, ch, m); err != nil {
			fmt.Fprintln(os.Stderr, name+":", err)
			return 1
		}
	}
}
