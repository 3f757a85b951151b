// Package cluster speaks Node.js's cluster protocol (the NODE_CLUSTER
// internal messages over a child_process IPC channel), so that a Go program
// can be a worker under a Node cluster primary, and a primary for Node (or
// Go) workers.
//
// # Worker
//
// A Node primary forks the Go program with cluster.fork(). cluster.fork()
// always runs process.execPath, so the primary points it at the Go binary
// for the call; the worker's argv is [binary, exec, ...args]:
//
//	cluster.setupPrimary({ exec: 'serve', args: [], execArgv: [] });
//	const saved = process.execPath;
//	process.execPath = '/path/to/go-binary';
//	cluster.fork();
//	process.execPath = saved;
//
// The Go side joins with NewWorker (it reads and unsets NODE_UNIQUE_ID,
// opens the channel and sends `online`), listens through the primary with
// Worker.Listen, and stops when Worker.Done is closed:
//
//	w, err := cluster.NewWorker(nil)
//	ln, err := w.Listen(ctx, "tcp", ":8000")
//	go srv.Serve(ln)
//	<-w.Done()           // the primary called worker.disconnect()
//	srv.Shutdown(ctx)    // let open connections finish
//	w.Close()            // the primary sees 'disconnect'
//
// Under round-robin scheduling (Node's default) the primary accepts and
// passes each connection in a `newconn` handle; the Listener acknowledges
// it at once and Accept returns it. Under SCHED_NONE the primary passes a
// bound socket, on which the worker calls listen(2) itself. Worker.Channel
// carries the user messages (process.send / worker.send).
//
// Worker.Listen and ListenWith serve TCP ("tcp", "tcp4", "tcp6") and
// Unix-domain sockets ("unix", a path); Worker.ListenPacket binds UDP
// ("udp4", "udp6"), always on the primary's shared socket, as dgram does.
// ListenOptions carries Node's `exclusive` (listen without the primary),
// `ipv6Only`, `reuseAddr` and `backlog`.
//
// The queryServer and listening messages are a Node worker's, field for
// field (checked against every pinned Node version); WorkerOptions.NodeMajor
// selects a version's shape where they differ (Node 18 and 20 send no
// flags for a listen(port) without a host).
//
// # Primary
//
// NewPrimary and Primary.Fork start workers (Node scripts using
// net.Server.listen or dgram, or Go programs using Worker) and answer
// their requests for TCP, Unix-domain and UDP servers and listen({fd}) as
// Node's primary does (see Primary), under SchedRR or SchedNone. Child
// reports each worker's life with blocking methods (Online, Listening,
// Done, Wait) and Child.Disconnect stops it gracefully.
//
// # Windows
//
// Both roles work on Windows for TCP servers, the only kind Node's cluster
// shares there. Under SCHED_NONE (Node's default on Windows) a shared
// server travels listening, as libuv sends it, and every worker accepts on
// it; round-robin works as on Unix. Unix-domain paths, UDP and
// listen({fd}) fail with an error wrapping errors.ErrUnsupported.
//
// # Concurrency and ownership
//
// Every exported method is safe for concurrent use. A Worker owns its
// channel and its listeners' sockets until the caller takes a Listener (the
// caller closes it) or a connection from Accept (the caller closes it). A
// Primary owns its listening sockets and the workers' channels, not the
// processes: the caller waits for them (Child.Wait).
package cluster
