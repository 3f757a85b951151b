//go:build darwin || freebsd || linux || netbsd || openbsd

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// tapBin and goChild are built by TestMain.
var tapBin, goChild string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nodeipc-tap-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tapBin, goChild = filepath.Join(dir, "nodeipc-tap"), filepath.Join(dir, "go-child")
	for out, pkg := range map[string]string{tapBin: ".", goChild: "../go-child"} {
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building", pkg+":", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// entry is a log line as tools read it (--format jsonl).
type entry struct {
	Event     string   `json:"event"`
	Pid       int      `json:"pid"`
	Dir       string   `json:"dir"`
	Seq       int      `json:"seq"`
	Size      int      `json:"size"`
	Cmd       string   `json:"cmd"`
	Type      string   `json:"type"`
	Key       string   `json:"key"`
	Act       string   `json:"act"`
	Inner     string   `json:"inner"`
	Handles   []string `json:"handles"`
	Value     string   `json:"value"`
	Truncated bool     `json:"truncated"`
	Err       string   `json:"error"`
	Mode      string   `json:"mode"`
	Status    *int     `json:"status"`
	Signal    string   `json:"signal"`
}

func readLog(t *testing.T, path string) []entry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var es []entry
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("log line %d is not JSON (%v): %s", i+1, err, line)
		}
		es = append(es, e)
	}
	return es
}

func frames(es []entry, dir string) []entry {
	var out []entry
	for _, e := range es {
		if e.Event == "frame" && e.Dir == dir {
			out = append(out, e)
		}
	}
	return out
}

func events(es []entry, event string) []entry {
	var out []entry
	for _, e := range es {
		if e.Event == event {
			out = append(out, e)
		}
	}
	return out
}

func script(t *testing.T, name string) string {
	return filepath.Join(nodetest.Root(t), "cmd", "nodeipc-tap", "testdata", name)
}

// runNode runs a Node script to completion and returns its stdout.
func runNode(t *testing.T, node nodetest.Node, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node.Path, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// TestConformanceThroughTap grades go-child and Node's reference child
// with the conformance kit, the tap between the Node parent and the
// child, on every pinned Node: every row passes, and the log holds the
// traffic of every kind.
func TestConformanceThroughTap(t *testing.T) {
	nodetest.Conformance(t, goChild, func(t *testing.T, child []string) ([]string, func()) {
		log := filepath.Join(t.TempDir(), "ipc.log")
		return append([]string{tapBin, "--log", log, "--format", "jsonl", "--"}, child...), func() { checkConformanceLog(t, log) }
	})
}

// checkConformanceLog checks the tap's log of a conformance run: no frame
// logged with an error, a NODE_HANDLE with exactly one descriptor, every
// kind of traffic the kit makes, and an exit for every start.
func checkConformanceLog(t *testing.T, log string) {
	t.Helper()
	es := readLog(t, log)
	seen := map[string]int{}
	for _, e := range es {
		if e.Event == "frame" && e.Err != "" {
			t.Errorf("frame logged with an error: %+v", e)
		}
		seen[e.Event+" "+e.Cmd+" "+e.Inner]++
		if e.Cmd == "NODE_HANDLE" && len(e.Handles) != 1 {
			t.Errorf("NODE_HANDLE logged with %d descriptors: %+v", len(e.Handles), e)
		}
	}
	for _, k := range []string{"frame  ", "frame NODE_HANDLE ", "frame NODE_HANDLE_ACK ", "frame NODE_CLUSTER ",
		"frame NODE_HANDLE NODE_CLUSTER", "frame NODE_SOCKET_GET_COUNT ", "frame NODE_SOCKET_COUNT ", "frame NODE_SOCKET_ALL_CLOSED ", "start  ", "exit  ", "eof  "} {
		if seen[k] == 0 {
			t.Errorf("no %q entry in the log; saw %v", k, seen)
		}
	}
	if seen["start  "] != seen["exit  "] {
		t.Errorf("%d children started, %d exits logged", seen["start  "], seen["exit  "])
	}
}

// TestLog checks the log of a known exchange, JSON and advanced: one entry
// per frame with the decoded values, the handle with its descriptor, the
// ACK, the ends of stream and the exit.
func TestLog(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		for _, mode := range []string{"json", "advanced"} {
			t.Run(node.Name+"/"+mode, func(t *testing.T) {
				log := filepath.Join(t.TempDir(), "ipc.log")
				runNode(t, node, script(t, "log.js"), mode, tapBin, log, goChild)
				es := readLog(t, log)
				down, up := frames(es, "parent->child"), frames(es, "child->parent")
				if len(down) != 6 || len(up) != 7 {
					t.Fatalf("%d frames to the child (want 4 messages, a NODE_HANDLE, a NODE_SOCKET_NOTIFY_CLOSE), %d to the parent (want 4 echoes, an ACK, an echo, a NODE_SOCKET_ALL_CLOSED): %+v", len(down), len(up), es)
				}
				want := []string{`{"a":1}`, `"x"`, `[1,2]`, `"` + strings.Repeat("y", 63) + "…"}
				if mode == "advanced" {
					want = []string{"{ a: 1 }", "1970-01-01T00:00:00.000Z", "Map(1) { 1 => 'x' }", "'" + strings.Repeat("y", 63) + "…"}
				}
				for i, w := range want {
					if down[i].Value != w || up[i].Value != w || down[i].Seq != i+1 {
						t.Errorf("frame %d: logged %q / %q (seq %d), want %q", i+1, down[i].Value, up[i].Value, down[i].Seq, w)
					}
				}
				if !down[3].Truncated || down[3].Size < 100 {
					t.Errorf("the long message: %+v", down[3])
				}
				h := down[4]
				if h.Cmd != "NODE_HANDLE" || h.Type != "net.Socket" || h.Key == "" || len(h.Handles) != 1 || !strings.HasPrefix(h.Handles[0], "tcp4 connected 127.0.0.1:") {
					t.Errorf("the handle's entry: %+v", h)
				}
				if down[5].Cmd != "NODE_SOCKET_NOTIFY_CLOSE" || down[5].Key != h.Key {
					t.Errorf("the socket-list query: %+v", down[5])
				}
				if up[4].Cmd != "NODE_HANDLE_ACK" || len(up[4].Handles) != 0 {
					t.Errorf("the ACK's entry: %+v", up[4])
				}
				var cmds []string
				for _, e := range up[5:] {
					cmds = append(cmds, e.Cmd)
				}
				if !slices.Contains(cmds, "") || !slices.Contains(cmds, "NODE_SOCKET_ALL_CLOSED") {
					t.Errorf("after the ACK, the child sent %q, want the echo and NODE_SOCKET_ALL_CLOSED", cmds)
				}
				for _, e := range es {
					if e.Event == "error" {
						t.Errorf("error entry: %+v", e)
					}
				}
				if got := len(events(es, "eof")); got != 2 {
					t.Errorf("%d eof entries, want 2", got)
				}
				if ex := events(es, "exit"); len(ex) != 1 || *ex[0].Status != 0 {
					t.Errorf("exit entries: %+v", ex)
				}
				if st := events(es, "start"); len(st) != 1 || st[0].Mode != mode {
					t.Errorf("start entries: %+v", st)
				}
			})
		}
	}
}

// TestLifecycle: exit statuses, a forwarded signal, a child that dies with
// a handle in flight.
func TestLifecycle(t *testing.T) {
	childJS := script(t, "child.js")
	for _, node := range nodetest.Binaries(t) {
		for _, c := range []struct {
			scenario string
			child    []string
			status   int
		}{
			{"exit-7", []string{node.Path, childJS}, 7},
			{"self-signal", []string{node.Path, childJS}, 143},
			{"forward", []string{node.Path, childJS}, 5},
			{"handle-in-flight", []string{"/bin/sh", "-c", "head -c 1 <&3 >/dev/null; exit 9"}, 9},
		} {
			t.Run(node.Name+"/"+c.scenario, func(t *testing.T) {
				log := filepath.Join(t.TempDir(), "ipc.log")
				out := runNode(t, node, append([]string{script(t, "lifecycle.js"), c.scenario, tapBin, log}, c.child...)...)
				if strings.TrimSpace(out) != "ok" {
					t.Fatalf("parent said %q", out)
				}
				es := readLog(t, log)
				ex := events(es, "exit")
				if len(ex) != 1 || *ex[0].Status != c.status {
					t.Fatalf("exit entries %+v, want status %d", ex, c.status)
				}
				switch c.scenario {
				case "self-signal":
					if ex[0].Signal != "SIGTERM" {
						t.Errorf("exit entry %+v, want signal SIGTERM", ex[0])
					}
				case "forward":
					if up := frames(es, "child->parent"); len(up) != 2 || up[1].Value != `"got SIGUSR2"` {
						t.Errorf("frames to the parent: %+v", up)
					}
				case "handle-in-flight":
					down := frames(es, "parent->child")
					if len(down) != 1 || down[0].Cmd != "NODE_HANDLE" || len(down[0].Handles) != 1 {
						t.Errorf("frames to the child: %+v", down)
					}
					if len(frames(es, "child->parent")) != 0 {
						t.Errorf("the child answered: %+v", es)
					}
				}
			})
		}
	}
}

// TestParentDies: the parent is killed; the tap passes the end of stream
// on, the child sees its disconnect and exits, and so does the tap.
func TestParentDies(t *testing.T) {
	childJS := script(t, "child.js")
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "ipc.log")
			// The tap and the child inherit w as their stderr: reading r
			// reaches EOF once both are gone.
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cmd := exec.Command(node.Path, script(t, "lifecycle.js"), "parent-dies", tapBin, log, node.Path, childJS)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			err = cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the parent ended with %v, want SIGKILL; stdout %q", err, out.String())
			}
			tapPid, _ := strconv.Atoi(strings.TrimSpace(out.String()))
			done := make(chan []byte, 1)
			go func() { b, _ := io.ReadAll(bufio.NewReader(r)); done <- b }()
			select {
			case b := <-done:
				if len(b) > 0 {
					t.Logf("stderr: %s", b)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the tap (pid %d) or its child is still running 30 s after the parent died", tapPid)
			}
			es := readLog(t, log)
			eof := events(es, "eof")
			if len(eof) == 0 || eof[0].Dir != "parent->child" {
				t.Errorf("eof entries %+v, want the parent's first", eof)
			}
			if ex := events(es, "exit"); len(ex) != 1 || *ex[0].Status != 0 {
				t.Errorf("exit entries %+v, want the child's exit 0", ex)
			}
		})
	}
}

// TestDemoThroughTap runs the socket hand-off demo (examples/demo.js: a
// Node parent exchanges messages with go-child, then hands it an accepted
// TCP connection) with the tap in front of go-child, through a wrapper
// script as a user would configure it.
func TestDemoThroughTap(t *testing.T) {
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "ipc.log")
			wrapper := filepath.Join(dir, "go-child")
			sh := "#!/bin/sh\nexec '" + tapBin + "' --log '" + log + "' --format jsonl -- '" + goChild + "' \"$@\"\n"
			if err := os.WriteFile(wrapper, []byte(sh), 0o755); err != nil {
				t.Fatal(err)
			}
			runNode(t, node, filepath.Join(nodetest.Root(t), "examples", "demo.js"), wrapper)
			handles := 0
			for _, e := range readLog(t, log) {
				if e.Cmd == "NODE_HANDLE" {
					handles++
					if len(e.Handles) != 1 || !strings.HasPrefix(e.Handles[0], "tcp") {
						t.Errorf("handle entry: %+v", e)
					}
				}
				if e.Event == "error" || e.Err != "" {
					t.Errorf("error entry: %+v", e)
				}
			}
			if handles == 0 {
				t.Error("no NODE_HANDLE in the log")
			}
		})
	}
}
