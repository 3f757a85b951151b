//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// skipUnlessSelfExec skips a test that re-executes this test binary where
// it cannot (a foreign-architecture binary run by an emulator without
// binfmt_misc: exec fails with ENOEXEC).
func skipUnlessSelfExec(t *testing.T) {
	t.Helper()
	if err := exec.Command(os.Args[0], "-test.run=^$").Run(); errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("this binary cannot exec itself (an emulator without binfmt_misc): %v", err)
	}
}
