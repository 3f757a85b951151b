// Package conformance grades a child process against real Node.js: a Node
// parent forks the child and exercises one protocol feature per row (value
// tables in both serializations, ordering, large messages, internal-message
// routing, every handle type in both directions, the queue behind a handle,
// keepOpen, socket lists, cluster, disconnects). The rows run as Node
// scripts embedded in the package (node/driver.js); the child only has to
// implement the small child protocol described in README.md: modes echo,
// serve, send and http-worker.
//
// The command nodeipc-conformance is the front end; Run is the same thing
// for Go programs and tests. Nothing but a Node binary and the child is
// needed. Bun or Deno can play the parent instead (Config.Parent,
// ParentBun, ParentDeno; the command's -parent): the rows use only
// node:child_process.
package conformance

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

//go:embed node/*.js node/*.cjs
var scripts embed.FS

// Parents are the runtimes that can play the parent: the driver's rows
// use only node:child_process, which Bun and Deno implement too.
const (
	ParentNode = "node"
	ParentBun  = "bun"
	ParentDeno = "deno"
)

// Config says what to grade and how.
type Config struct {
	// Node is the binary that plays the parent (default: Parent's name,
	// looked up in $PATH): a Node.js binary, or Bun's or Deno's when
	// Parent says so.
	Node string

	// Parent is the runtime Node is: ParentNode (the default), ParentBun
	// or ParentDeno. It decides how the driver script is started (Deno
	// runs it as `deno run -A --unstable-detect-cjs`) and how the
	// version is read.
	Parent string

	// Child is the candidate's command line: the executable and the
	// arguments that come before the mode. fork() runs it as
	// Child[0] Child[1:]... MODE ARGS... with the IPC channel on fd 3.
	// Reference() returns the command line of Node's own reference child.
	Child []string

	// Rows selects rows by name (a regular expression, matched anywhere);
	// nil runs every row.
	Rows *regexp.Regexp

	// Timeout bounds one row (default 60 s). A row that runs longer fails.
	Timeout time.Duration

	// Parallel is how many rows run at once (default 1). Rows are
	// independent processes; more than the machine's cores makes the
	// timing-sensitive ones (20,000 messages, 300 sockets) slower, not
	// wrong.
	Parallel int

	// Log, if not nil, receives the stderr of the driver and the child.
	Log io.Writer
}

// Result is the verdict on one row.
type Result struct {
	Row      string        `json:"row"`
	OK       bool          `json:"ok"`
	Detail   string        `json:"detail"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is the outcome of Run for one parent binary.
type Report struct {
	Node    string   `json:"node"`             // the binary's path
	Parent  string   `json:"parent,omitempty"` // the runtime, if not Node
	Version string   `json:"version"`          // what it printed for --version ("bun 1.4.5", "deno 2.9.6" for those)
	Child   []string `json:"child"`
	Results []Result `json:"results"`
}

// Passed and Failed count the results.
func (r *Report) Passed() int { return r.count(true) }

// Failed counts the rows that did not pass.
func (r *Report) Failed() int { return r.count(false) }

func (r *Report) count(ok bool) int {
	n := 0
	for _, res := range r.Results {
		if res.OK == ok {
			n++
		}
	}
	return n
}

// Workdir holds the kit's Node scripts written out to a directory, so that
// Node can run them. Close removes it.
type Workdir struct{ dir string }

// NewWorkdir writes the embedded scripts to a new temporary directory.
func NewWorkdir() (*Workdir, error) {
	dir, err := os.MkdirTemp("", "nodeipc-conformance-")
	if err != nil {
		return nil, err
	}
	entries, err := scripts.ReadDir("node")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for _, e := range entries {
		b, err := scripts.ReadFile("node/" + e.Name())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return &Workdir{dir: dir}, nil
}

// Close removes the directory.
func (w *Workdir) Close() error { return os.RemoveAll(w.dir) }

// Reference returns the command line of the reference child, Node itself
// running the kit's ref-child.cjs: the row table a candidate is measured
// against.
func (w *Workdir) Reference(node string) []string {
	return []string{nodeOrDefault(node), filepath.Join(w.dir, "ref-child.cjs")}
}

func nodeOrDefault(node string) string {
	if node == "" {
		return "node"
	}
	return node
}

// parentOf checks cfg's runtime and returns it with the binary.
func parentOf(cfg Config) (parent, bin string, err error) {
	parent = cfg.Parent
	if parent == "" {
		parent = ParentNode
	}
	switch parent {
	case ParentNode, ParentBun, ParentDeno:
	default:
		return "", "", fmt.Errorf("conformance: unknown parent runtime %q (node, bun or deno)", parent)
	}
	bin = cfg.Node
	if bin == "" {
		bin = parent
	}
	return parent, bin, nil
}

// script returns the command that runs one of the kit's scripts under the
// parent runtime.
func (w *Workdir) script(ctx context.Context, parent, bin, name string, args ...string) *exec.Cmd {
	all := []string{filepath.Join(w.dir, name)}
	if parent == ParentDeno {
		// The scripts are CommonJS files named .js.
		all = append([]string{"run", "-A", "--unstable-detect-cjs"}, all...)
	}
	return exec.CommandContext(ctx, bin, append(all, args...)...)
}

// version returns what the runtime calls its version: "v24.1.0" for
// Node, "bun 1.4.5", "deno 2.9.6".
func version(ctx context.Context, parent, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("conformance: %s --version: %w", bin, err)
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	switch parent {
	case ParentBun:
		v = "bun " + v
	case ParentDeno:
		// "deno 2.9.6 (stable, release, x86_64-unknown-linux-gnu)"
		if f := strings.Fields(v); len(f) >= 2 {
			v = f[0] + " " + f[1]
		}
	}
	return v, nil
}

// Rows lists every row the driver knows, in table order, as Node runs it.
func (w *Workdir) Rows(ctx context.Context, node string) ([]string, error) {
	return w.rows(ctx, ParentNode, nodeOrDefault(node))
}

func (w *Workdir) rows(ctx context.Context, parent, node string) ([]string, error) {
	cmd := w.script(ctx, parent, node, "driver.js", "--list")
	cmd.Env = append(os.Environ(), "NODEIPC_CONFORMANCE={}")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("conformance: listing rows with %s: %w", node, err)
	}
	var rows []string
	if err := json.Unmarshal(out, &rows); err != nil {
		return nil, fmt.Errorf("conformance: listing rows: %w", err)
	}
	return rows, nil
}

// Run grades cfg.Child under cfg.Node (a Node, Bun or Deno parent, as
// cfg.Parent says), every selected row. An error means the grading itself
// could not run (no parent binary, no rows); failed rows are in the
// report.
func (w *Workdir) Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Child) == 0 {
		return nil, errors.New("conformance: no child command")
	}
	parent, node, err := parentOf(cfg)
	if err != nil {
		return nil, err
	}
	ver, err := version(ctx, parent, node)
	if err != nil {
		return nil, err
	}
	all, err := w.rows(ctx, parent, node)
	if err != nil {
		return nil, err
	}
	var rows []string
	for _, r := range all {
		if cfg.Rows == nil || cfg.Rows.MatchString(r) {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("conformance: no row matches %v", cfg.Rows)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	par := max(cfg.Parallel, 1)
	rep := &Report{Node: node, Version: ver, Child: cfg.Child, Results: make([]Result, len(rows))}
	if parent != ParentNode {
		rep.Parent = parent
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, par)
	for i, row := range rows {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rep.Results[i] = w.runRow(ctx, parent, node, cfg, row, timeout)
		}()
	}
	wg.Wait()
	return rep, nil
}

// runRow runs the driver for one row. The driver enforces the row's
// timeout itself; the process is killed 10 s after that as a last resort.
func (w *Workdir) runRow(ctx context.Context, parent, node string, cfg Config, row string, timeout time.Duration) Result {
	start := time.Now()
	spec, _ := json.Marshal(map[string]any{"child": cfg.Child, "row": row, "timeoutMs": timeout.Milliseconds()})
	ctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	cmd := w.script(ctx, parent, node, "driver.js")
	cmd.Env = append(os.Environ(), "NODEIPC_CONFORMANCE="+string(spec))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if cfg.Log != nil {
		cmd.Stderr = &prefixWriter{w: cfg.Log, prefix: row + ": "}
	}
	setProcessGroup(cmd)
	err := cmd.Run()
	res := Result{Row: row, Duration: time.Since(start)}
	line := bytes.TrimSpace(stdout.Bytes())
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	if jerr := json.Unmarshal(line, &res); jerr != nil || res.Row != row {
		res.OK = false
		res.Detail = fmt.Sprintf("driver gave no verdict (%v)", err)
		if ctx.Err() != nil {
			res.Detail = fmt.Sprintf("killed after %v", timeout+10*time.Second)
		}
	}
	res.Duration = time.Since(start)
	return res
}

// prefixWriter prefixes each line written through it.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
