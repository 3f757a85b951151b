//go:build !(darwin || freebsd || linux || netbsd || openbsd)

package nodeipc

// framed is the spin policy's hook (spin_unix.go); transports without a
// spin before parking ignore it.
func (*transport) framed(bool) {}
