package tap

import "golang.org/x/sys/unix"

// Received descriptors are close-on-exec from the start, and a write to a
// closed peer returns EPIPE without a signal.
const (
	recvFlags = unix.MSG_CMSG_CLOEXEC
	sendFlags = unix.MSG_NOSIGNAL
)
