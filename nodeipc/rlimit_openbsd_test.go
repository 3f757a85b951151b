package nodeipc_test

import "syscall"

// limitAddressSpace caps the data segment: OpenBSD has no RLIMIT_AS.
func limitAddressSpace(n uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: n, Max: n})
}
