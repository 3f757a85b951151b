//go:build unix

// Package testsock has the socket and descriptor helpers the project's tests
// share: an AF_UNIX stream socketpair as two *net.UnixConn, and the list of
// the process's open descriptors (for leak checks). It imports nothing of
// nodeipc, so the package's own internal tests can use it too; the public
// face of it is package nodeipc/nodeipctest.
package testsock

import (
	"net"
	"os"
	"path/filepath"
	"sort"
	"syscall"
)

// Pair returns both ends of a new AF_UNIX stream socketpair, close-on-exec.
// The caller closes both.
func Pair() (*net.UnixConn, *net.UnixConn, error) {
	// Under ForkLock, as the standard library creates sockets where
	// SOCK_CLOEXEC is missing: no exec may inherit the pair in between.
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	a, err := fileConn(fds[0])
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	b, err := fileConn(fds[1])
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

func fileConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), "socketpair")
	defer f.Close() // FileConn dups it
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}

// fdDir is where the system lists a process's descriptors.
func fdDir() string {
	if _, err := os.Stat("/proc/self/fd"); err == nil {
		return "/proc/self/fd"
	}
	return "/dev/fd" // macOS and the BSDs
}

// OpenFDs lists this process's open descriptors, each as "N->target" where
// the system tells the target (Linux; elsewhere "N"), sorted. Counts taken
// before and after some work compare: the descriptor that reads the
// directory is listed in neither on Linux, in both elsewhere.
func OpenFDs() ([]string, error) {
	dir := fdDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		switch {
		case err == nil:
			out = append(out, e.Name()+"->"+target)
		case dir != "/proc/self/fd":
			out = append(out, e.Name()) // /dev/fd entries are not links
		} // else: the descriptor ReadDir held, closed by now
	}
	sort.Strings(out)
	return out, nil
}

// CountFDs returns how many descriptors this process has open, or -1 when
// the system does not list them.
func CountFDs() int {
	fds, err := OpenFDs()
	if err != nil {
		return -1
	}
	return len(fds)
}
