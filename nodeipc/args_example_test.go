package nodeipc_test

import (
	"fmt"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// A Go worker that Deno forks with fork('serve', ['hello'], { execPath })
// receives Deno's own arguments first; TrimDenoArgs (and ProgramArgs, for
// os.Args) leaves the worker's.
func ExampleTrimDenoArgs() {
	fromDeno := []string{"run", "-A", "--unstable-bare-node-builtins", "--unstable-detect-cjs", "serve", "hello"}
	fromNode := []string{"serve", "hello"}
	fmt.Println(nodeipc.TrimDenoArgs(fromDeno))
	fmt.Println(nodeipc.TrimDenoArgs(fromNode))
	// Output:
	// [serve hello]
	// [serve hello]
}
