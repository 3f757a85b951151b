// Package tap is the relay and log behind cmd/nodeipc-tap: it sits between
// a Node.js parent and its child, copies their IPC channel both ways at the
// transport level (bytes unchanged and in order, each descriptor with the
// bytes it came with), and logs every frame decoded.
//
// It does not use nodeipc.Channel: a channel answers handles and
// socket-list queries itself, while the tap must leave the protocol to the
// two ends. It only finds frame boundaries (framer, frame.go), relays
// (relay, relay_unix.go) and describes frames for the log (entry.go:
// package v8value for advanced payloads, encoding/json for JSON lines;
// log.go writes text or JSON lines). run_unix.go is the process plumbing
// of the command: the inherited channel, the child, signals and the exit
// status. Unix only (run_other.go reports that).
package tap
