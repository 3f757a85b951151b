package nodeipc

import "errors"

// plan9's syscall package has no errno values; the in-memory transport's
// tests only need two distinct errors to match with errors.Is.
var (
	errConnReset  = errors.New("connection reset by peer")
	errBrokenPipe = errors.New("broken pipe")
)
