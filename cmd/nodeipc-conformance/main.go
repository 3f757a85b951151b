// Command nodeipc-conformance grades a child process against real Node.js's
// child_process IPC: a Node parent forks the child and checks, one row per
// protocol feature, that it behaves as a Node child would.
//
//	nodeipc-conformance [flags] CHILD [ARGS...]
//	nodeipc-conformance [flags] -ref
//
// CHILD [ARGS...] is the candidate's command line; the kit appends a mode
// (echo, serve, send, http-worker) and its arguments, and forks it with the
// channel on fd 3. -ref grades Node's own reference child instead (every row
// passes). The child protocol is described in the conformance package's
// README.md.
//
// Flags:
//
//	-node PATH[,PATH...]  the binaries that play the parent (default: the
//	                      -parent runtime's name); one column each
//	-parent RUNTIME       node (default), bun or deno: what the -node
//	                      binaries are. Bun and Deno run the same rows
//	                      through their node:child_process
//	-rows REGEXP          only the rows whose name matches
//	-json                 print the reports as JSON instead of a table
//	-markdown LABEL       print a Markdown table, the columns headed LABEL
//	                      plus the Node version
//	-parallel N           rows run at once (default 1)
//	-timeout D            limit for one row (default 60s)
//	-v                    show the driver's and the child's stderr
//	-summary              instead of grading, read LABEL=FILE arguments
//	                      (files written with -json) and print one Markdown
//	                      table, a column per LABEL
//
// It exits 0 when every row passed, 1 when a row failed, 2 when it could not
// run.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"github.com/nodeipc/nodeipc-go/conformance"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nodeipc-conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.String("node", "", "comma-separated binaries that play the parent (default: the -parent runtime's name)")
	parent := fs.String("parent", conformance.ParentNode, "the parent runtime: node, bun or deno")
	rows := fs.String("rows", "", "only the rows matching this regular expression")
	asJSON := fs.Bool("json", false, "print JSON")
	markdown := fs.String("markdown", "", "print a Markdown table with this column label")
	parallel := fs.Int("parallel", 1, "rows run at once")
	timeout := fs.Duration("timeout", 60*time.Second, "limit for one row")
	ref := fs.Bool("ref", false, "grade the reference Node child")
	verbose := fs.Bool("v", false, "show the driver's and the child's stderr")
	summary := fs.Bool("summary", false, "print one Markdown table from LABEL=FILE arguments (files written with -json)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nodeipc-conformance [flags] CHILD [ARGS...] | -ref")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *summary {
		return runSummary(fs.Args(), stdout, stderr)
	}
	if *ref == (fs.NArg() > 0) {
		fs.Usage()
		return 2
	}
	cfg := conformance.Config{Child: fs.Args(), Parent: *parent, Parallel: *parallel, Timeout: *timeout}
	if *nodes == "" {
		*nodes = *parent
	}
	if *rows != "" {
		re, err := regexp.Compile(*rows)
		if err != nil {
			fmt.Fprintf(stderr, "nodeipc-conformance: -rows: %v\n", err)
			return 2
		}
		cfg.Rows = re
	}
	if *verbose {
		cfg.Log = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, err := conformance.NewWorkdir()
	if err != nil {
		fmt.Fprintf(stderr, "nodeipc-conformance: %v\n", err)
		return 2
	}
	defer wd.Close()
	var reports []*conformance.Report
	for _, node := range strings.Split(*nodes, ",") {
		c := cfg
		c.Node = node
		if *ref {
			// The reference child is Node's: under Bun or Deno, their
			// own binary runs ref-child.cjs.
			c.Child = wd.Reference(node)
		}
		rep, err := wd.Run(ctx, c)
		if err != nil {
			fmt.Fprintf(stderr, "nodeipc-conformance: %v\n", err)
			return 2
		}
		reports = append(reports, rep)
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return 2
		}
	case *markdown != "":
		var labels []string
		for _, r := range reports {
			if r.Parent != "" {
				labels = append(labels, fmt.Sprintf("%s, %s", *markdown, r.Version))
				continue
			}
			labels = append(labels, fmt.Sprintf("%s, Node %s", *markdown, r.Version))
		}
		conformance.WriteMarkdown(stdout, labels, reports)
	default:
		fmt.Fprintf(stdout, "child: %s\n", strings.Join(reports[0].Child, " "))
		conformance.WriteTable(stdout, reports)
	}
	for _, r := range reports {
		if r.Failed() > 0 {
			return 1
		}
	}
	return 0
}

// runSummary merges reports saved with -json into one Markdown table.
func runSummary(args []string, stdout, stderr io.Writer) int {
	var cols []conformance.Column
	for _, a := range args {
		label, file, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(stderr, "nodeipc-conformance: -summary takes LABEL=FILE, not %q\n", a)
			return 2
		}
		b, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "nodeipc-conformance: %v\n", err)
			return 2
		}
		var reps []*conformance.Report
		if err := json.Unmarshal(b, &reps); err != nil {
			fmt.Fprintf(stderr, "nodeipc-conformance: %s: %v\n", file, err)
			return 2
		}
		cols = append(cols, conformance.Column{Label: label, Reports: reps})
	}
	if err := conformance.WriteSummary(stdout, cols); err != nil {
		return 2
	}
	return 0
}
