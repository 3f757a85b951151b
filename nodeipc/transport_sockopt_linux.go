//go:build linux

package nodeipc

import "syscall"

// tuneChannel leaves the channel socket as it is on Linux: the default
// buffers (about 208 KiB) suit the channel, and there is no SO_NOSIGPIPE
// (Go's runtime turns SIGPIPE from a write to a descriptor other than 1 or 2
// into EPIPE).
func tuneChannel(syscall.RawConn) {}
