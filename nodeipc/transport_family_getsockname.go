//go:build darwin || freebsd || netbsd || openbsd || (linux && nodeipc_portable)

package nodeipc

import "golang.org/x/sys/unix"

// socketDomain returns fd's address family from getsockname, which every
// Unix has (macOS and NetBSD have no SO_DOMAIN). A socket without an address
// yet still reports its family.
func socketDomain(fd int) (int, error) {
	sa, err := unix.Getsockname(fd)
	if err == unix.EAFNOSUPPORT {
		return -1, nil // a family x/sys/unix does not decode: not one Node can use
	}
	if err != nil {
		return 0, err
	}
	switch sa.(type) {
	case *unix.SockaddrUnix:
		return unix.AF_UNIX, nil
	case *unix.SockaddrInet4:
		return unix.AF_INET, nil
	case *unix.SockaddrInet6:
		return unix.AF_INET6, nil
	}
	return -1, nil // another family: not one Node can use
}
