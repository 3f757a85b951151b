//go:build darwin || (linux && nodeipc_portable)

package nodeipc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// macOS has neither SOCK_CLOEXEC nor MSG_CMSG_CLOEXEC (and Linux built with
// the nodeipc_portable tag pretends so too, to run this code): descriptors
// are created or received without the flag and set close-on-exec at once,
// under syscall.ForkLock held for reading, which every fork in Go's runtime
// (os/exec, os.StartProcess, syscall.ForkExec) holds for writing. This is
// the standard library's own fallback for sockets (net's sysSocket).

const msgCmsgCloexec = 0

func socketpairCloexec() ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return fds, err
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return fds, nil
}

// closeOnExecRights sets FD_CLOEXEC on every descriptor of the SCM_RIGHTS
// messages in oob. The caller holds syscall.ForkLock for reading since
// before the recvmsg that received them.
func closeOnExecRights(oob []byte) {
	eachRight(oob, unix.CloseOnExec)
}
