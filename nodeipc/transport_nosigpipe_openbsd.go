//go:build openbsd

package nodeipc

// setNoSigpipe does nothing: OpenBSD has no SO_NOSIGPIPE, and Go's runtime
// turns SIGPIPE from a write to a descriptor other than 1 or 2 into EPIPE.
func setNoSigpipe(int) {}
