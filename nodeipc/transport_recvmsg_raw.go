//go:build linux && !nodeipc_portable

package nodeipc

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Linux read: a raw recvmsg system call with MSG_CMSG_CLOEXEC, so that
// received descriptors are close-on-exec from the moment they exist, on a
// msghdr prepared once per read. Building with the nodeipc_portable tag
// replaces it with the code macOS runs (transport_recvmsg_forklock.go).

// recvScratch is the msghdr of the read in progress.
type recvScratch struct {
	msg unix.Msghdr
	iov unix.Iovec
}

func (t *sockTransport) recvPrepare(p, oob []byte) {
	t.rs.iov = unix.Iovec{Base: unsafe.SliceData(p)}
	t.rs.iov.SetLen(len(p))
	t.rs.msg = unix.Msghdr{Iov: &t.rs.iov, Iovlen: 1}
	if len(oob) > 0 {
		t.rs.msg.Control = unsafe.SliceData(oob)
		t.rs.msg.SetControllen(len(oob))
	}
}

// recvmsgOnce is one non-blocking recvmsg.
func (t *sockTransport) recvmsgOnce(fd uintptr) (int, unix.Errno) {
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&t.rs.msg)), unix.MSG_CMSG_CLOEXEC)
	return int(r), e
}

// recvDone returns the control length and flags of the finished read and
// forgets the buffers.
func (t *sockTransport) recvDone() (oobn, flags int) {
	oobn, flags = int(t.rs.msg.Controllen), int(t.rs.msg.Flags)
	t.rs = recvScratch{}
	return oobn, flags
}
