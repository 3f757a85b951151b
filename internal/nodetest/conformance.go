package nodetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/nodeipc/nodeipc-go/conformance"
)

// Conformance grades two children with the conformance kit on every pinned
// Node (see Binaries): Node's own reference child and goChild, the path of
// a built cmd/go-child, each in a subtest named <node>/reference and
// <node>/go-child. A subtest fails unless the kit ran, every row passed and
// at least one did; the table is logged either way.
//
// via, when not nil, is called in each subtest with the child's command
// line. It returns the command line to grade in its place (the child behind
// a relay, say) and a check, called once every row passed (nil for none).
func Conformance(t *testing.T, goChild string, via func(t *testing.T, child []string) (cmd []string, check func())) {
	t.Helper()
	wd, err := conformance.NewWorkdir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wd.Close() })
	for _, node := range Binaries(t) {
		t.Run(node.Name, func(t *testing.T) {
			for _, c := range []struct {
				name  string
				child []string
			}{
				{"reference", wd.Reference(node.Path)},
				{"go-child", []string{goChild}},
			} {
				t.Run(c.name, func(t *testing.T) {
					child := c.child
					var check func()
					if via != nil {
						child, check = via(t, c.child)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					rep, err := wd.Run(ctx, conformance.Config{Node: node.Path, Child: child, Parallel: 2})
					if err != nil {
						t.Fatal(err)
					}
					var b bytes.Buffer
					conformance.WriteTable(&b, []*conformance.Report{rep})
					if rep.Failed() > 0 || rep.Passed() == 0 {
						t.Fatalf("%s under Node %s:\n%s", c.name, rep.Version, b.String())
					}
					t.Logf("%s under Node %s:\n%s", c.name, rep.Version, b.String())
					if check != nil {
						check()
					}
				})
			}
		})
	}
}
