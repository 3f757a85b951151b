// Package leakcheck fails a test binary whose tests leave goroutines or
// file descriptors behind. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
package leakcheck

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Run runs the tests and returns their exit code, or 1 when they passed but
// left goroutines (after up to 10 s) or file descriptors (after up to 5 s)
// that were not there before. The goroutine check is skipped with -short,
// and both checks while fuzzing.
func Run(m *testing.M) int {
	before := openFDs()
	base := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 && !testing.Short() && !fuzzing() {
		code = checkGoroutines(base)
	}
	if code == 0 && !fuzzing() {
		code = checkFDs(before)
	}
	return code
}

// fuzzing reports whether the binary ran as a fuzzing engine or worker
// (flags are parsed by m.Run); the engine keeps descriptors and goroutines
// of its own.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// checkGoroutines waits up to 10 s for the goroutine count to fall back to
// what it was before the tests, then dumps every stack.
func checkGoroutines(base int) int {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return 0
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 4<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "FAIL: leaked goroutines: %d running, %d before the tests\n%s\n", n, base, buf)
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkFDs compares the open descriptors with those open before the tests.
// It waits a little, since a descriptor may be closed by a goroutine that
// is just finishing.
func checkFDs(before map[string]string) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		leaked := leakedFDs(before, openFDs())
		if len(leaked) == 0 {
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "FAIL: %d file descriptors leaked by the tests:\n  %s\n", len(leaked), strings.Join(leaked, "\n  "))
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leakedFDs lists descriptors open now that were not open before (same
// number and same target). The runtime's own descriptors (the netpoller's
// epoll and eventfd, pipes of the race detector) are created before
// TestMain runs or lazily by the first network use; anon_inode entries are
// therefore ignored.
func leakedFDs(before, now map[string]string) []string {
	var out []string
	for fd, target := range now {
		if before[fd] == target {
			continue
		}
		if strings.HasPrefix(target, "anon_inode:") {
			continue
		}
		out = append(out, fd+" -> "+target)
	}
	sort.Strings(out)
	return out
}

// openFDs maps each open descriptor of this process to its target.
func openFDs() map[string]string {
	const dir = "/proc/self/fd"
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	names, _ := f.Readdirnames(-1)
	self := fmt.Sprint(f.Fd())
	f.Close()
	out := make(map[string]string, len(names))
	for _, n := range names {
		if n == self {
			continue
		}
		target, err := os.Readlink(filepath.Join(dir, n))
		if err != nil {
			continue // closed meanwhile
		}
		out[n] = target
	}
	return out
}
