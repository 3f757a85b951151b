//go:build darwin || linux || netbsd

package nodeipc_test

import "syscall"

// limitAddressSpace caps this process's address space (RLIMIT_AS), so that
// an allocation past the budget fails where it would otherwise succeed on
// a large machine.
func limitAddressSpace(n uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
}
