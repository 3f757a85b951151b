//go:build linux && parents

package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/conformance"
	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// Bun and Deno as parents of go-child, built with -tags parents
// (scripts/checks/60-parents.sh installs the runtimes and runs them). The
// binaries are the npm packages pinned in testdata/parents (npm ci there);
// NODEIPC_BUN and NODEIPC_DENO name others. Missing runtimes skip these
// tests, except under CI=true or NODEIPC_REQUIRE_RUNTIMES=1, where they
// fail.

// runtimeBin returns the path of the pinned bun or deno binary.
func runtimeBin(t *testing.T, name string) string {
	t.Helper()
	bin := os.Getenv("NODEIPC_" + strings.ToUpper(name))
	if bin == "" {
		bin = filepath.Join(nodetest.Root(t), "testdata", "parents", "node_modules", ".bin", name)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		msg := name + " not available (" + bin + ": " + err.Error() + "); install it with npm ci in testdata/parents"
		if os.Getenv("CI") == "true" || os.Getenv("NODEIPC_REQUIRE_RUNTIMES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Logf("%s %s", name, strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]))
	return bin
}

// expectedRows is what go-child gets under each runtime's parent: every
// row passes except these, which fail for the runtime's reasons (the
// detail must contain the text given). conformance/README.md has the
// table with the explanations.
var expectedRows = map[string]map[string]string{
	conformance.ParentBun: {
		// Bun's advanced serialization is not V8's: go-child ends the
		// channel with *nodeipc.SerializationError and exits 1.
		"advanced/values":      "exited with code 1",
		"advanced/order-20000": "exited with code 1",
		"advanced/1MiB":        "exited with code 1",
		"handle/advanced":      "",
		// Bun's net.Server does not ask children for their connections.
		"handle/socket-list": "getConnections",
		// Bun's cluster.fork() gets no 'listening' from a worker that
		// listens through the primary.
		"cluster/worker-rr":     "listening",
		"cluster/worker-shared": "listening",
	},
	conformance.ParentDeno: {
		// Deno takes {cmd: 'NODE_'} for an internal message and drops it.
		"json/values": "35 of 36",
		// Deno's JSON reader refuses nesting deeper than 128.
		"json/unusual-values": "recursion limit",
		// Deno's parent closes its copy of a net.Server once the child
		// acknowledges it (Node keeps it listening): only the child accepts.
		"handle/shared-server": "both processes",
		// Deno's cluster.fork() always runs Deno (the worker script is
		// looked up as a module).
		"cluster/worker-rr":     "exited with code 1",
		"cluster/worker-shared": "exited with code 1",
	},
}

// TestParentsConformance grades go-child with the conformance kit under a
// Bun and a Deno parent (every fork() goes through Deno's argument
// translation, so go-child's modes arrive in both of Deno's forms): each
// row passes, or fails as the runtime's limitation listed in expectedRows.
func TestParentsConformance(t *testing.T) {
	wd, err := conformance.NewWorkdir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wd.Close() })
	for _, parent := range []string{conformance.ParentBun, conformance.ParentDeno} {
		t.Run(parent, func(t *testing.T) {
			bin := runtimeBin(t, parent)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			rep, err := wd.Run(ctx, conformance.Config{Node: bin, Parent: parent, Child: []string{goChild}, Timeout: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			conformance.WriteTable(&b, []*conformance.Report{rep})
			t.Logf("go-child under %s:\n%s", rep.Version, b.String())
			want := expectedRows[parent]
			for _, r := range rep.Results {
				text, fails := want[r.Row]
				switch {
				case !fails && !r.OK:
					t.Errorf("%s: %s failed: %s", rep.Version, r.Row, r.Detail)
				case fails && r.OK:
					t.Errorf("%s: %s passes now (it failed as %q): update expectedRows and conformance/README.md", rep.Version, r.Row, text)
				case fails && !strings.Contains(r.Detail, text):
					t.Errorf("%s: %s failed differently: %q, want %q", rep.Version, r.Row, r.Detail, text)
				}
			}
		})
	}
}

// parentResult is what testdata/parents/parent.mjs prints.
type parentResult struct {
	Runtime  string
	OK       bool
	Received int
	Mismatch int
	Code     *int
	Signal   *string
	Stderr   string
	TimedOut bool
	Ms       int
}

func runParent(t *testing.T, runtime, bin, scenario string) parentResult {
	t.Helper()
	script := filepath.Join(nodetest.Root(t), "testdata", "parents", "parent.mjs")
	args := []string{script, scenario, goChild}
	if runtime == conformance.ParentDeno {
		args = append([]string{"run", "-A"}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s parent.mjs %s: %v\n%s", runtime, scenario, err, stderr.String())
	}
	var res parentResult
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("parent output %q: %v", out, err)
	}
	return res
}

// TestBunAdvancedFailsLoudly: a Bun parent with serialization 'advanced'
// writes its own format; go-child names Bun and the remedy on stderr and
// exits 1 at once, instead of waiting for the 16.9 MB its first bytes seem
// to announce.
func TestBunAdvancedFailsLoudly(t *testing.T) {
	bin := runtimeBin(t, conformance.ParentBun)
	res := runParent(t, conformance.ParentBun, bin, "fork-advanced")
	t.Logf("%+v", res)
	if res.TimedOut || res.Code == nil || *res.Code != 1 {
		t.Fatalf("go-child under Bun advanced: exit %v (timed out %v), want 1", res.Code, res.TimedOut)
	}
	for _, want := range []string{"the peer is Bun", "serialization: 'json'", "01 02 00 00 00"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr %q does not mention %q", res.Stderr, want)
		}
	}
}

// TestDenoParentForms: Deno as go-child's parent in both forms, spawn()
// with an 'ipc' slot (arguments unchanged) and fork() (Deno's prefix
// removed by nodeipc.ProgramArgs), JSON and advanced (V8 format 16 from
// Deno, answered in format 15): the values come back deep-equal, and
// go-child exits 0 when Deno disconnects. Under Deno's JSON channel an
// integer beyond 2^53 comes back as a BigInt (Deno's JSON reader), so the
// JSON scenario expects exactly that one mismatch.
func TestDenoParentForms(t *testing.T) {
	bin := runtimeBin(t, conformance.ParentDeno)
	for _, c := range []struct {
		scenario string
		mismatch int
	}{
		{"spawn-json", 4},
		{"spawn-advanced", -1},
		{"fork-advanced", -1},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			res := runParent(t, conformance.ParentDeno, bin, c.scenario)
			if !res.OK || res.Mismatch != c.mismatch || res.Code == nil || *res.Code != 0 || res.Stderr != "" {
				t.Fatalf("%+v, want every value back (mismatch %d) and exit 0", res, c.mismatch)
			}
		})
	}
}

// TestBunParentSpawn: Bun's spawn() with an 'ipc' slot and JSON.
func TestBunParentSpawn(t *testing.T) {
	bin := runtimeBin(t, conformance.ParentBun)
	res := runParent(t, conformance.ParentBun, bin, "spawn-json")
	if !res.OK || res.Mismatch != -1 || res.Code == nil || *res.Code != 0 || res.Stderr != "" {
		t.Fatalf("%+v, want every value back and exit 0", res)
	}
}
