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
