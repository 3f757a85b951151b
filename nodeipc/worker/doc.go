// Package worker is the short path for a Go program that Node starts with
// child_process.fork(): open the channel, answer requests, serve HTTP on the
// sockets Node hands over, and end without losing a message.
//
//	func main() {
//		os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
//			return worker.Serve(ctx, ch, worker.Methods{"square": square}, nil)
//		}, nil))
//	}
//
//	func square(ctx context.Context, call *worker.Call) (any, error) {
//		var n float64
//		if err := call.Decode(&n); err != nil {
//			return nil, err
//		}
//		call.Progress("squaring")
//		return n * n, nil
//	}
//
// Run opens the channel (nodeipc.FromEnv), runs the function with a context
// that ends with the channel or on SIGINT/SIGTERM, then shuts the channel
// down, flushing every message posted or sent, and returns the process's
// exit code. Serve is the receive loop: it hands each message to a Handler,
// several at once up to Options.Concurrency, logs what is wrong with one
// message and goes on, and returns nil when the channel ends normally (the
// parent disconnected or exited). ServeHTTP serves an *http.Server on the
// connections and servers Node hands over, wired to Node's server.close().
//
// # The request envelope
//
// Methods answers requests in an envelope plain Node code can speak without a
// library, in either serialization:
//
//   - request, Node to Go: {id, method, params}. id is a number or string the
//     caller picks, unique among its requests in flight; method names a key
//     of Methods; params is any value (absent means null).
//   - progress, Go to Node: {id, progress}, zero or more times before the
//     reply (Call.Progress).
//   - reply, Go to Node, exactly once per request: {id, result} on success,
//     {id, error: {name, message}} on failure, with `data` in the error too
//     when the method returned an *Error with Data. An unknown method gets
//     the name "MethodNotFound", params that do not decode "InvalidParams",
//     a method that panicked "Panic"; other errors "Error" unless they are an
//     *Error.
//
// With Options.Concurrency above 1 replies come in the order the methods
// finish; progress of a request always comes before its reply. A message
// that is not a request (not an object with a string method) is reported to
// Options.OnError and otherwise ignored (docs/ENVELOPE.md in the repository
// has the envelope in full). The Node side, complete:
//
//	const calls = new Map();
//	let nextId = 0;
//	child.on('message', (m) => {
//	  const c = calls.get(m.id);
//	  if (!c) return;
//	  if ('progress' in m) return c.onProgress?.(m.progress);
//	  calls.delete(m.id);
//	  if (m.error) c.reject(Object.assign(new Error(m.error.message), m.error));
//	  else c.resolve(m.result);
//	});
//	function call(method, params, onProgress) {
//	  return new Promise((resolve, reject) => {
//	    const id = ++nextId;
//	    calls.set(id, { resolve, reject, onProgress });
//	    child.send({ id, method, params });
//	  });
//	}
//
// # Ownership and concurrency
//
// Run owns the channel it opens: it closes it, and the function it runs must
// not keep using it after returning. Serve and ServeHTTP use a channel they
// are given and never close it. A handler owns the handle that came with its
// message (nodeipc.Message.Handle) and closes it. Everything in this package
// is safe for concurrent use; handlers run concurrently with each other when
// Options.Concurrency is above 1.
package worker
