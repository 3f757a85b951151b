//go:build !plan9

package nodeipc

import "syscall"

// The system errors the in-memory transport reports for a reset peer and a
// closed one, as a socket reports them (plan9 has no errno values: see
// errno_plan9_test.go).
var (
	errConnReset  error = syscall.ECONNRESET
	errBrokenPipe error = syscall.EPIPE
)
