//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
)

// startTransport creates the channel's socketpair (close-on-exec:
// socketpairCloexec), hands the child its end as cmd.ExtraFiles' next entry,
// starts cmd and returns the parent's end (see transport.go).
func startTransport(cmd *exec.Cmd, env func(slot int) []string) (transport, error) {
	fds, err := socketpairCloexec()
	if err != nil {
		return nil, os.NewSyscallError("socketpair", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "nodeipc-parent")
	child := os.NewFile(uintptr(fds[1]), "nodeipc-child")
	defer child.Close()

	slot := 3 + len(cmd.ExtraFiles)
	cmd.ExtraFiles = append(cmd.ExtraFiles, child)
	cmd.Env = env(slot)
	if err := cmd.Start(); err != nil {
		parent.Close()
		return nil, err
	}
	c, err := net.FileConn(parent)
	parent.Close()
	if err != nil {
		return nil, fmt.Errorf("nodeipc: Start: %w", err)
	}
	t, err := newTransport(c.(*net.UnixConn))
	if err != nil {
		c.Close()
		return nil, err
	}
	return t, nil
}

// pairTransports returns the two ends of a new socketpair (close-on-exec),
// for Pipe.
func pairTransports() (transport, transport, error) {
	fds, err := socketpairCloexec()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	var ts [2]transport
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "nodeipc-pipe")
		c, err := net.FileConn(f)
		f.Close()
		if err == nil {
			ts[i], err = newTransport(c.(*net.UnixConn))
			if err != nil {
				c.Close()
			}
		}
		if err != nil {
			if i == 0 {
				os.NewFile(uintptr(fds[1]), "").Close()
			} else {
				ts[0].close()
			}
			return nil, nil, err
		}
	}
	return ts[0], ts[1], nil
}
