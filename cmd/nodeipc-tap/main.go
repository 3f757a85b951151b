// Command nodeipc-tap sits between a Node.js parent and its child and logs
// every frame of their IPC channel, relaying it unchanged — messages in
// both serializations, internal messages, handles with their descriptors:
//
//	nodeipc-tap [--log FILE] [--format text|jsonl] [--max N] -- COMMAND [ARGS...]
//
// It takes the channel from its environment (NODE_CHANNEL_FD,
// NODE_CHANNEL_SERIALIZATION_MODE), starts COMMAND with a fresh channel of
// the same mode at the same descriptor number and otherwise the same
// environment, and relays both ways. It neither acknowledges nor refuses
// a handle: the two ends run the protocol with each other. End of stream
// travels both ways; the signals HUP, INT, QUIT, TERM, USR1, USR2, WINCH,
// ALRM and CONT go to the child; the tap exits with the child's status
// (128+n when signal n ended it).
//
// Drop it into a fork():
//
//	fork(modulePath, args, { execPath: '/path/to/nodeipc-tap',
//	  execArgv: ['--log', 'ipc.log', '--', process.execPath] })
//
// The log (standard error without --log; a file is appended to) has one
// entry per frame — time, direction, size, the message decoded and cut
// after --max bytes (256; 0: never), cmd, handle type and key of internal
// messages, what each descriptor is — and entries for the start, each end
// of stream and the exit. --format jsonl writes one JSON object per line
// (fields time, event, pid, dir, seq, size, cmd, type, key, act, inner,
// handles, value, truncated, error, command, mode, status, signal).
//
// Unix only.
package main

import (
	"os"

	"github.com/nodeipc/nodeipc-go/internal/tap"
)

func main() {
	os.Exit(tap.Main(os.Args[1:], os.Stderr))
}
