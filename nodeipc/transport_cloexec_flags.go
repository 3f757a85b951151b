//go:build freebsd || netbsd || openbsd || (linux && !nodeipc_portable)

package nodeipc

import "golang.org/x/sys/unix"

// Platforms whose socketpair takes SOCK_CLOEXEC and whose recvmsg takes
// MSG_CMSG_CLOEXEC: descriptors are close-on-exec from the moment they
// exist, with no lock.

const msgCmsgCloexec = unix.MSG_CMSG_CLOEXEC

func socketpairCloexec() ([2]int, error) {
	return unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
}

// closeOnExecRights is not needed here: recvmsg sets the flag.
func closeOnExecRights([]byte) {}
