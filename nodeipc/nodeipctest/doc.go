// Package nodeipctest tests code that speaks Node's IPC channel without
// Node: an in-process Peer plays the Node.js end of a channel, as
// net/http/httptest plays an HTTP client or server.
//
// NewPair gives a worker's *nodeipc.Channel (what nodeipc.FromEnv returns
// in a process Node forked) connected to a Peer; StartChild starts a worker
// program with the channel on descriptor 3, as Node's fork() does. The Peer
// is a nodeipc.Channel, so it sends and receives messages and handles the
// way Node does on the wire (the project's compatibility tests prove the
// library byte-compatible with Node 18–26): JSON or advanced framing,
// NODE_HANDLE with real descriptors and the ACK/NACK exchange, the queue
// behind an unacknowledged handle, socket-list queries, disconnect as EOF.
// WriteRaw and WriteRawFD add what no well-behaved Node sends: malformed
// lines, handles without messages, surplus descriptors.
//
// A test against the real Node binaries is still the proof: the command
// nodeipc-conformance grades a worker binary under real Node.
//
// The package works on Unix and on Windows, where Pair connects the two
// ends over a named pipe with libuv's framing (nodeipc.Pipe) and the Peer has
// no raw access (WriteRaw returns ErrNoRawSocket; WriteRawFD and Socketpair
// are Unix-only).
package nodeipctest
