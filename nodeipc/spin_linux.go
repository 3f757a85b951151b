package nodeipc

import (
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waitReadable blocks in ppoll until fd is readable or ns nanoseconds pass,
// and reports whether it became readable (or a signal interrupted the wait:
// the caller reads again either way). With yield (the process has one P)
// it first lets any runnable goroutine run: a Post's flush goroutine may be
// about to write the very request whose answer we wait for, and nothing
// else could run it meanwhile. With more Ps it does not: runtime.Gosched
// puts the goroutine on the global queue and wakes another thread to look
// for work, which costs more than the whole wait saves.
//
// The wait is a raw system call: the thread sleeps in the kernel and is
// woken directly by the peer's write, as a blocking read in C is, and the
// runtime does not see a system call, so it neither hands this P to another
// thread nor wakes one to look for work (each of those costs a futex
// wake-up, a netpoll and the system monitor's naps, which cost as much as
// the round trip itself once a core is busy). The price is that this P runs
// nothing else for at most ns, which the caller bounds by SpinWait. A
// signal ends the wait early (EINTR), and the runtime's preemption (for the
// garbage collector, or a goroutine that ran too long) is such a signal, so
// the goroutine is preempted as soon as it returns: a stop-the-world does
// not wait for the timeout.
func waitReadable(fd uintptr, ns int64, yield bool) bool {
	if yield {
		runtime.Gosched()
	}
	pfd := unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	ts := unix.NsecToTimespec(ns)
	n, _, e := syscall.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return e == unix.EINTR || (e == 0 && n > 0)
}
