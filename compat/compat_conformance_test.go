//go:build darwin || freebsd || linux || netbsd || openbsd

package compat

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/conformance"
	"github.com/nodeipc/nodeipc-go/internal/nodetest"
)

// TestConformance grades go-child and Node's own reference child with the
// conformance kit on every pinned Node version: both must pass every row.
func TestConformance(t *testing.T) {
	wd, err := conformance.NewWorkdir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wd.Close() })
	for _, node := range nodetest.Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, c := range []struct {
				name  string
				child []string
			}{
				{"reference", wd.Reference(node.Path)},
				{"go-child", []string{goChild}},
			} {
				t.Run(c.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					rep, err := wd.Run(ctx, conformance.Config{Node: node.Path, Child: c.child, Parallel: 2})
					if err != nil {
						t.Fatal(err)
					}
					var b bytes.Buffer
					conformance.WriteTable(&b, []*conformance.Report{rep})
					if rep.Failed() > 0 || rep.Passed() == 0 {
						t.Fatalf("%s under Node %s:\n%s", c.name, rep.Version, b.String())
					}
					t.Logf("%s under Node %s:\n%s", c.name, rep.Version, b.String())
				})
			}
		})
	}
}
