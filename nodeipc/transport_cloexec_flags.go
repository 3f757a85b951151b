//go:build freebsd || netbsd || openbsd || (linux && !nodeipc_portable)

package nodeipc

import "golang.org/x/sys/unix"

// Platforms whose socketpair takes SOCK_CLOEXEC and whose recvmsg takes
// MSG_CMSG_CLOEXEC: descriptors are close-on-exec from the moment they
// exist, with no lock.

// msgCmsgCloexec and closeOnExecRights serve the portable recvmsg
// (transport_recvmsg_portable.go: the BSDs); Linux's raw recvmsg passes the
// flag itself.
//
//lint:ignore U1000 used by the portable recvmsg on the BSDs
const msgCmsgCloexec = unix.MSG_CMSG_CLOEXEC

func socketpairCloexec() ([2]int, error) {
	return unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
}

// closeOnExecRights is not needed here: recvmsg sets the flag.
//
//lint:ignore U1000 used by the portable recvmsg on the BSDs
func closeOnExecRights([]byte) {}
