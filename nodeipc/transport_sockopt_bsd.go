//go:build darwin || freebsd || netbsd || openbsd

package nodeipc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// channelBufSize is what tuneChannel asks for as the channel's send and
// receive buffers on macOS and the BSDs.
//
// macOS gives an AF_UNIX stream socket 8 KiB of send and receive space
// (net.local.stream.sendspace/recvspace), as the BSDs it comes from do,
// against about 208 KiB on Linux.
// With 8 KiB, every message over a few KiB is written in pieces, each
// waiting for the peer to drain the last (a park and wake-up per 8 KiB),
// and a read returns at most 8 KiB of the 64 KiB it asks for. On an AF_UNIX
// stream socket the sender's send space is what bounds the data in flight
// (the data goes straight into the peer's receive buffer), so raising ours
// speeds up what we send whatever the peer does; the receive side is raised
// to match, for peers that read what they are given. 256 KiB brings the
// channel to Linux's order of magnitude and is far below the kernel's
// kern.ipc.maxsockbuf (8 MiB by default on macOS); the kernel allocates the space
// only as data is queued, so an idle channel costs nothing more. Node
// itself keeps the defaults on its end; that is its own send side. Failures
// are ignored: the defaults work, only more slowly.
const channelBufSize = 256 << 10

// tuneChannel prepares the channel socket: SO_NOSIGPIPE where it exists
// (setNoSigpipe), and the buffer sizes above.
func tuneChannel(rc syscall.RawConn) {
	rc.Control(func(fd uintptr) {
		setNoSigpipe(int(fd))
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); err == nil && v < channelBufSize {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, channelBufSize)
		}
		if v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil && v < channelBufSize {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, channelBufSize)
		}
	})
}
