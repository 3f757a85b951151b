// Package nodeipc speaks Node.js's child_process IPC protocol, byte for byte,
// so that a Go program can be forked by Node (process.send /
// process.on('message') on the Go side), fork Node scripts itself, and
// exchange messages and sockets with them as a Node process would.
//
// A worker that Node forks is shortest with package nodeipc/worker: its Run
// opens the channel, shuts it down without losing a message and returns the
// exit code; Serve is the receive loop, Methods answers requests in a
// documented {id, method, params} envelope, ServeHTTP serves net/http on the
// sockets Node hands over:
//
//	func main() {
//		os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
//			return worker.Serve(ctx, ch, worker.Methods{"square": square}, nil)
//		}, nil))
//	}
//
// This package is what it builds on. A Go child started by Node's fork() or
// spawn() with an 'ipc' stdio slot opens its channel with FromEnv; a Go parent starts a Node child (or any
// peer) with Start; New wraps an existing socket. All three return a
// *Channel:
//
//	ch, err := nodeipc.FromEnv(nil)
//	if err != nil { ... } // errors.Is(err, nodeipc.ErrNoChannel) outside Node
//	defer ch.Shutdown(ctx) // writes what was posted, then closes (not run if main calls os.Exit)
//	for m, err := range ch.Messages(ctx) {
//		if err != nil {
//			log.Print(err) // a bad message (the loop goes on), or what broke the channel
//			continue
//		}
//		var v map[string]any
//		m.Decode(&v)
//		ch.Send(ctx, map[string]any{"got": v})
//	}
//
// Messages yields the errors about one message (*ProtocolError,
// *HandleError) in its place and goes on; a normal end (the peer
// disconnected, Close or Shutdown, ctx ended) ends it without an error
// value, and only a failure that broke the channel is yielded, last. Recv
// documents this rule.
//
// # Protocol
//
// The channel is one end of an AF_UNIX SOCK_STREAM socketpair. The child
// finds its end in NODE_CHANNEL_FD and the encoding in
// NODE_CHANNEL_SERIALIZATION_MODE ("json", the default, or "advanced").
//
// In JSON mode every message is JSON.stringify(value) followed by "\n",
// written in one write. Go values are encoded with encoding/json's rules
// (struct tags, Marshalers) into the bytes JSON.stringify writes for the
// same JavaScript value: no HTML escaping, U+2028 and U+2029 raw, NaN and
// ±Inf as null, -0 as 0, and object keys that are array indices ("0" …
// "4294967294") first in numeric order, then a map's other keys sorted, a
// struct's in declared order. Integers beyond 2^53 keep all their digits
// (JSON.parse rounds them as it would JSON.stringify's text), []byte is
// base64 and time.Time RFC 3339 with nanoseconds.
//
// In advanced mode every message is a 4-byte big-endian length followed by
// a V8 ValueSerializer payload, as Node's `serialization: 'advanced'` writes
// it (see package nodeipc/v8value).
//
// A received value is internal, and never reaches Recv, when it is an object
// whose `cmd` is a string longer than five characters starting with
// "NODE_" (Node's rule). The channel answers the internal messages of the
// child_process protocol itself: NODE_HANDLE (a message with a socket; the
// descriptor travels as SCM_RIGHTS with the message's first byte) is
// answered with NODE_HANDLE_ACK, or NODE_HANDLE_NACK when no descriptor came
// with it; NODE_SOCKET_GET_COUNT and NODE_SOCKET_NOTIFY_CLOSE are answered
// from the socket lists. Other internal messages (NODE_CLUSTER, see package
// cluster) go to Options.OnInternalMessage.
//
// When a message with a handle was sent, every later message waits until the
// peer acknowledged it, exactly as in Node; a NACK makes the sender send the
// handle again, at most three more times.
//
// HandedSockets collects the sockets and servers the peer hands over into a
// net.Listener, for http.Serve and the like; while it is open, the handles
// it takes never reach Recv (see type HandedSockets for the routing and
// ownership rules).
//
// Disconnecting is closing the socket: there is no goodbye message. EOF or a
// read error from the peer disconnects the channel.
//
// # Platforms
//
// Linux, macOS, FreeBSD, NetBSD and OpenBSD: the channel is an AF_UNIX
// stream socket with SCM_RIGHTS, as in Node. Linux is tested against real
// Node on amd64, arm64 and s390x (in-process on 386); the code paths macOS
// runs (no SOCK_CLOEXEC or MSG_CMSG_CLOEXEC: descriptors made close-on-exec
// under syscall.ForkLock; the family from getsockname; the portable recvmsg)
// are selected on Linux with the nodeipc_portable build tag and tested
// there; macOS and the BSDs are compiled, not run.
//
// Windows: the channel is libuv's named pipe, every write a 16-byte libuv
// frame, sockets passed as WSAPROTOCOL_INFOW blobs. FromEnv, Start, Pipe,
// both serializations, TCP socket hand-off both ways and package cluster
// (both roles, TCP servers) work (tested with the real Windows node.exe
// under wine); New, which takes a *net.UnixConn, returns an error wrapping
// errors.ErrUnsupported. Elsewhere (plan9, js/wasm, wasip1) the package
// builds and FromEnv, New, Start and Pipe return such an error too.
//
// # Bun and Deno parents
//
// Bun and Deno implement child_process too, and a Go worker runs under
// them (tested against Bun 1.4.5 and Deno 2.9.6). With Bun, JSON mode and
// socket hand-off work; Bun's serialization: 'advanced' is its own format,
// not V8's, and ends the channel at once with a *SerializationError that
// says to use 'json'. With Deno both serializations work: Deno writes V8
// format 16, which the advanced codec reads (it writes 15), and its
// variant of the socket-list messages is answered in kind. Deno's fork()
// puts "run" and its flags before the child's own arguments even for a
// non-Deno execPath: read them with ProgramArgs instead of os.Args, or
// start the worker with spawn() and an 'ipc' stdio slot.
//
// # Concurrency and ownership
//
// A Channel owns its socket and runs two goroutines (a reader and a writer)
// until it is closed or disconnected. All methods are safe for concurrent
// use. Received messages are queued until Recv takes them, up to
// Options.MaxQueuedMessages and MaxQueuedBytes (65,536 and 16 MiB unless
// set); a full queue is back-pressure, as on any socket: the channel stops
// reading until Recv makes room, and nothing is lost or reordered. A
// received handle belongs to whoever receives its Message. Messages waiting
// to be written are bounded:
// Post, PostInternal and PostHandle fail with ErrPostWouldBlock past
// Options.MaxBufferedBytes (Send waits instead), and the answers the channel
// owes the peer (handle ACKs, socket-list replies) end it with ErrOverrun
// past 1024 unwritten. Close waits for the goroutines and closes what the
// channel still owns.
//
// # Memory
//
// What received bytes may cost is bounded. A frame of n bytes (at most
// Options.MaxMessageSize) is held in the read buffer, which doubles while
// it arrives, and then classified without being decoded: an advanced
// frame by one pass of package v8value's Scan, which builds no values (a bit per
// object id, 16 bytes per property key of the objects being read, the
// nesting), a JSON line by its top-level members alone. Receiving thus
// touches at most about 4n bytes plus a constant in advanced mode and 5n
// in JSON mode. SendRaw validates the same way and adds one copy of the
// frame. Only Message.Decode builds values; its cost is the decoder's (see
// package nodeipc/v8value), which is why a worker facing untrusted peers should
// lower MaxMessageSize and MaxQueuedBytes.
//
// # Errors from the peer
//
// Input the peer should never send (a line that is not JSON, a NODE_HANDLE
// without its descriptor, a descriptor of the wrong kind) is reported by
// Recv as a *ProtocolError or *HandleError in the place of the message, and
// the channel stays usable: Node itself would crash. An acknowledgement
// nobody waits for is ignored, as Node ignores it. A
// frame over Options.MaxMessageSize, or a broken socket, ends the channel;
// messages received before are still returned by Recv first. Error texts
// start with "nodeipc: " once.
package nodeipc
