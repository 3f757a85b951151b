//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// memHandle makes the receiving side's handle for a handle sent over the
// in-memory transport: a close-on-exec duplicate of the descriptor, as
// SCM_RIGHTS gives the peer.
func memHandle(h txHandle) (rxHandle, error) {
	if h.f == nil {
		return rxHandle{}, errNoMemHandle
	}
	sc, err := h.f.SyscallConn()
	if err != nil {
		return rxHandle{}, err
	}
	var fd int
	var derr error
	syscall.ForkLock.RLock()
	cerr := sc.Control(func(u uintptr) {
		fd, derr = unix.Dup(int(u))
		if derr == nil {
			unix.CloseOnExec(fd)
		}
	})
	syscall.ForkLock.RUnlock()
	if cerr != nil {
		return rxHandle{}, cerr
	}
	if derr != nil {
		return rxHandle{}, derr
	}
	return rxHandle{f: os.NewFile(uintptr(fd), "mem-handle")}, nil
}
