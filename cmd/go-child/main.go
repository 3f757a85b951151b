// Command go-child is a ready-made worker that Node can fork:
//
//	const { fork } = require('node:child_process');
//	const child = fork('echo', [], { execPath: '/path/to/go-child', execArgv: [] });
//	child.on('message', (m) => console.log('echoed', m));
//	child.send({ hello: 'world' });
//
// or spawn with an 'ipc' stdio slot:
//
//	spawn('/path/to/go-child', ['echo'], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
//
// The first argument selects the mode:
//
//	echo            send every message back unchanged, in the channel's
//	                serialization; exit 0 when the channel closes.
//	sink            count messages; answer {"count":N} to {"end":true} and
//	                start again from zero (throughput benchmarks).
//
// Run without a channel it explains itself on stderr and exits 2.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

const usage = `usage: go-child MODE [ARGS...]

go-child is a worker for Node.js: start it with child_process.fork(MODE, ARGS,
{ execPath: '/path/to/go-child', execArgv: [] }) or spawn() with an 'ipc' stdio
slot.

modes:
  echo    send every message back unchanged; exit 0 when the channel closes
  sink    count messages; answer {"count":N} to {"end":true}
`

// modes maps a mode name to its implementation. Each returns the exit code.
var modes = map[string]func(ch *nodeipc.Channel, args []string, stderr io.Writer) int{
	"echo": runEcho,
	"sink": runSink,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	mode, ok := modes[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "go-child: unknown mode %q\n\n%s", args[0], usage)
		return 2
	}
	ch, err := nodeipc.FromEnv(nil)
	if errors.Is(err, nodeipc.ErrNoChannel) {
		fmt.Fprintln(stderr, "go-child: no IPC channel: start me from Node with child_process.fork() or spawn() with an 'ipc' stdio slot")
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "go-child: %v\n", err)
		return 2
	}
	defer ch.Close()
	return mode(ch, args[1:], stderr)
}
