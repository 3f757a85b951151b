package cluster

import (
	"os"
	"path/filepath"
)

// libuv flag bits carried in a queryServer's `flags`.
const (
	uvTCPIPv6Only  = 1 // UV_TCP_IPV6ONLY
	uvUDPIPv6Only  = 1 // UV_UDP_IPV6ONLY
	uvUDPReuseAddr = 4 // UV_UDP_REUSEADDR
)

// shortestPath returns path or its form relative to the working directory,
// whichever is shorter, as Node's primary does for the ~100-byte limit of
// a Unix-domain socket address.
func shortestPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || len(rel) >= len(path) {
		return path
	}
	return rel
}
