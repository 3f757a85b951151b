//go:build darwin || freebsd || linux || netbsd || openbsd

package tap

import (
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// describeFD says what a relayed descriptor is, the way Node's handle
// types tell sockets apart: "tcp4 listening 127.0.0.1:8000",
// "tcp6 connected [::1]:8000 <- [::1]:51234" (local <- peer),
// "tcp4 bound 0.0.0.0:8000" (bound, not listening: cluster's shared
// handles), "udp4 bound 127.0.0.1:41234", "unix stream listening
// /tmp/s.sock", or the kind of a descriptor that is not a socket.
func describeFD(fd int) string {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "unknown descriptor: " + err.Error()
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFSOCK:
	case unix.S_IFREG:
		return "regular file (not a socket)"
	case unix.S_IFIFO:
		return "pipe (not a socket)"
	case unix.S_IFCHR:
		return "character device (not a socket)"
	case unix.S_IFDIR:
		return "directory (not a socket)"
	default:
		return "not a socket"
	}
	typ, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	listening, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	local, _ := unix.Getsockname(fd)
	peer, _ := unix.Getpeername(fd)
	var fam, state string
	switch local.(type) {
	case *unix.SockaddrInet4:
		fam = map[int]string{unix.SOCK_STREAM: "tcp4", unix.SOCK_DGRAM: "udp4"}[typ]
	case *unix.SockaddrInet6:
		fam = map[int]string{unix.SOCK_STREAM: "tcp6", unix.SOCK_DGRAM: "udp6"}[typ]
	case *unix.SockaddrUnix:
		fam = map[int]string{unix.SOCK_STREAM: "unix stream", unix.SOCK_DGRAM: "unix datagram", unix.SOCK_SEQPACKET: "unix seqpacket"}[typ]
	}
	if fam == "" {
		fam = "socket of type " + strconv.Itoa(typ)
	}
	switch {
	case listening != 0:
		state = "listening"
	case peer != nil:
		state = "connected"
	default:
		state = "bound"
	}
	s := fam + " " + state
	if a := sockaddr(local); a != "" {
		s += " " + a
	}
	if a := sockaddr(peer); a != "" {
		s += " <- " + a
	}
	return s
}

func sockaddr(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrUnix:
		return a.Name
	}
	return ""
}
