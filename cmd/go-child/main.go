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
//	serve TEXT...   serve every socket Node sends with TEXT (the arguments
//	                joined by spaces): a net.Server's connections and a
//	                net.Socket get TEXT and are closed, a dgram.Socket
//	                answers each datagram with TEXT; plain messages are sent
//	                back; exit 0 when the channel closes.
//	http [--ready] TEXT...
//	                serve every net.Socket and net.Server Node sends with
//	                net/http (nodeipc.HandedSockets), answering every request
//	                with TEXT; plain messages are sent back. --ready sends
//	                'ready' once serving (pm2's wait_ready). The message
//	                'shutdown' (pm2's shutdown_with_message), SIGINT, SIGTERM
//	                and the channel's end make it finish the requests in
//	                progress and exit 0.
//	http-worker TEXT...
//	                a cluster worker (start it with Node's cluster.fork(), see
//	                below): serve HTTP on the port in $PORT (default 8000)
//	                through the primary, answering every request with TEXT;
//	                exit 0 when the primary disconnects it.
//	sink            count messages; answer {"count":N} to {"end":true} and
//	                start again from zero (throughput benchmarks).
//	send            create sockets on the parent's request and send them to
//	                it: {"op":"socket","port":P}, {"op":"server"},
//	                {"op":"dgram"}; {"op":"disconnect"} disconnects (the
//	                conformance kit's send mode).
//
// For example, Node's subprocess.send(message, socket) example with a Go
// worker:
//
//	const normal = fork('serve', ['Request handled with normal priority'],
//	  { execPath: '/path/to/go-child', execArgv: [] });
//	server.on('connection', (socket) => normal.send('socket', socket));
//
// Node's cluster.fork() always runs process.execPath, so a Node primary
// forks go-child by pointing process.execPath at it for the call:
//
//	cluster.setupPrimary({ exec: 'http-worker', args: ['hello'], execArgv: [] });
//	const saved = process.execPath;
//	process.execPath = '/path/to/go-child';
//	const worker = cluster.fork({ PORT: '8000' });
//	process.execPath = saved;
//
// In every mode, a message the library reports as bad (a line that is not
// JSON, a handle that is not a usable socket) is logged on stderr and
// skipped, and a received handle the mode does not serve is closed. At most
// 65,536 received messages (16 MiB) wait for the mode's loop
// (nodeipc.Options.MaxQueuedMessages): a peer that keeps sending without
// reading the answers is made to wait, as on any socket, until go-child's
// loop catches up; nothing is lost.
//
// Bun and Deno parents work too, with the same fork() and spawn() calls.
// Deno's fork() passes "run" and Deno's flags before the mode even to a
// non-Deno execPath; go-child removes them (nodeipc.ProgramArgs). Bun's
// serialization: 'advanced' is not V8's format: go-child then logs the
// channel's *nodeipc.SerializationError and exits 1; use 'json' with Bun.
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
  echo            send every message back unchanged (closing any handle
                  that came with it); exit 0 when the channel closes
  serve TEXT...   answer every socket Node sends (net.Server, net.Socket,
                  dgram.Socket) with TEXT, the arguments joined by spaces,
                  and close connections after it; send plain messages back;
                  exit 0 when the channel closes
  http [--ready] TEXT...
                  serve every socket Node sends (net.Socket, net.Server) with
                  net/http, answering every request with TEXT; --ready sends
                  'ready' once serving (pm2 wait_ready); exit 0 after
                  finishing open requests on 'shutdown', SIGINT, SIGTERM or
                  the channel's end
  http-worker TEXT...
                  as a Node cluster worker, serve HTTP on $PORT (default 8000)
                  through the primary, answering every request with TEXT;
                  exit 0 when the primary disconnects it
  sink            count messages; answer {"count":N} to {"end":true}
  send            send the parent the sockets it asks for ({"op":"socket",
                  "port":P}, {"op":"server"}, {"op":"dgram"});
                  {"op":"disconnect"} disconnects
`

// modes maps a mode name to its implementation. Each returns the exit code.
var modes = map[string]func(ch *nodeipc.Channel, args []string, stderr io.Writer) int{
	"echo":  runEcho,
	"serve": runServe,
	"http":  runHTTP,
	"sink":  runSink,
	"send":  runSend,
}

func main() {
	// Deno's fork() puts "run" and its flags before the mode.
	os.Exit(run(nodeipc.ProgramArgs(), os.Stderr))
}

// clusterModes open the channel themselves, as cluster workers.
var clusterModes = map[string]func(args []string, stderr io.Writer) int{
	"http-worker": runHTTPWorker,
}

func run(args []string, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if mode, ok := clusterModes[args[0]]; ok {
		return mode(args[1:], stderr)
	}
	mode, ok := modes[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "go-child: unknown mode %q\n\n%s", args[0], usage)
		return 2
	}
	ch, err := nodeipc.FromEnv(&nodeipc.Options{MaxQueuedMessages: maxQueued})
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
