//go:build darwin || freebsd || netbsd || openbsd

package nodeipc

// waitReadable has no bounded kernel wait here: it reports false at once,
// and the read parks on the netpoller.
func waitReadable(fd uintptr, ns int64, yield bool) bool { return false }
