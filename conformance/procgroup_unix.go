//go:build unix

package conformance

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the driver in a process group of its own, so that a
// row killed for running too long takes the child (and any grandchild) with
// it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
