//go:build darwin || freebsd || netbsd || openbsd || (linux && nodeipc_portable)

package nodeipc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// The portable read: unix.Recvmsg inside RawConn.Read. On macOS system calls
// go through libSystem (a raw SYS_RECVMSG is not allowed), and OpenBSD
// accepts system calls only from libc; the portable call is what each
// platform allows.
//
// Where recvmsg has no MSG_CMSG_CLOEXEC (macOS, and Linux built with the
// nodeipc_portable tag, which runs this code), every received descriptor
// gets FD_CLOEXEC right after recvmsg, and the read holds syscall.ForkLock
// for reading across both: os/exec (and everything else in Go that forks)
// takes it for writing around fork, so no process this one starts can
// inherit a received descriptor in between. (A fork outside Go's runtime,
// from C code, is not covered; no platform offers more without the flag.)

// recvScratch holds the buffers of the read in progress and its results.
type recvScratch struct {
	p, oob      []byte
	oobn, flags int
}

func (t *sockTransport) recvPrepare(p, oob []byte) {
	t.rs = recvScratch{p: p, oob: oob}
}

// recvmsgOnce is one non-blocking recvmsg.
func (t *sockTransport) recvmsgOnce(fd uintptr) (int, unix.Errno) {
	var n, oobn, flags int
	var err error
	if msgCmsgCloexec != 0 {
		n, oobn, flags, _, err = unix.Recvmsg(int(fd), t.rs.p, t.rs.oob, msgCmsgCloexec)
	} else {
		syscall.ForkLock.RLock()
		n, oobn, flags, _, err = unix.Recvmsg(int(fd), t.rs.p, t.rs.oob, 0)
		if err == nil && oobn > 0 {
			closeOnExecRights(t.rs.oob[:oobn])
		}
		syscall.ForkLock.RUnlock()
	}
	if err != nil {
		e, ok := err.(unix.Errno)
		if !ok {
			e = unix.EIO
		}
		return 0, e
	}
	t.rs.oobn, t.rs.flags = oobn, flags
	return n, 0
}

func (t *sockTransport) recvDone() (oobn, flags int) {
	oobn, flags = t.rs.oobn, t.rs.flags
	t.rs = recvScratch{}
	return oobn, flags
}
