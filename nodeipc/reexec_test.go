//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc_test

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// emulatorEnv names the emulator a foreign-architecture test binary runs
// under (set by the qemu CI stage).
const emulatorEnv = "NODEIPC_TEST_EMULATOR"

// skipUnlessSelfExec skips a test that re-executes this test binary where
// it cannot (a foreign-architecture binary run by an emulator without
// binfmt_misc: exec fails with ENOEXEC) or where what it measures would be
// the emulator's (under qemu-user with binfmt_misc the re-executed binary
// runs, but its CPU time, memory and exec races are qemu's: such a test
// then fails or hangs for reasons outside the code).
func skipUnlessSelfExec(t *testing.T) {
	t.Helper()
	if e := os.Getenv(emulatorEnv); e != "" {
		t.Skipf("runs under an emulator (%s=%s): a re-executed binary measures the emulator", emulatorEnv, e)
	}
	if err := exec.Command(os.Args[0], "-test.run=^$").Run(); errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("this binary cannot exec itself (an emulator without binfmt_misc): %v", err)
	}
}
