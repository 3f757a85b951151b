package nodeipc

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waitReadable blocks in ppoll until fd is readable or ns nanoseconds pass,
// and reports whether it became readable (or a signal interrupted the wait:
// the caller reads again either way). It first lets any runnable goroutine
// of this P run (a Post's flush goroutine may be about to write the very
// request whose answer we wait for). The wait is a blocking system call:
// the runtime may hand the thread's P to another goroutine meanwhile, and
// the garbage collector does not wait for it.
func waitReadable(fd uintptr, ns int64) bool {
	runtime.Gosched()
	pfd := unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	ts := unix.NsecToTimespec(ns)
	n, _, e := unix.Syscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return e == unix.EINTR || (e == 0 && n > 0)
}
