package nodeipc_test

import "syscall"

// limitAddressSpace caps this process's address space (RLIMIT_AS; the
// limits are signed on FreeBSD).
func limitAddressSpace(n uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: int64(n), Max: int64(n)})
}
