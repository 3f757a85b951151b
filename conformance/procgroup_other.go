//go:build !unix

package conformance

import "os/exec"

// setProcessGroup does nothing here: a row killed for running too long
// kills the driver only (exec.CommandContext's default).
func setProcessGroup(*exec.Cmd) {}
