//go:build darwin || freebsd || netbsd || openbsd

package tap

// The tap starts its only child before it relays anything, so a received
// descriptor cannot leak into a process it starts; Go's runtime ignores
// SIGPIPE for these sockets.
const (
	recvFlags = 0
	sendFlags = 0
)
