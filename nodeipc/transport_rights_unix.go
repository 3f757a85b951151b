//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

import (
	"encoding/binary"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// parseRights appends to dst the descriptors of every SCM_RIGHTS message in
// oob, each wrapped at once (so that it has an owner). Other control
// messages are ignored, as libuv does. It walks the headers itself rather
// than with unix.ParseSocketControlMessage, which drops every message (and
// so leaks the descriptors already received) when a later header is
// malformed, and unix.ParseUnixRights, which panics on a payload that is not
// a multiple of 4 bytes. Descriptors found before a malformed header are
// returned with the error; negative values are skipped.
func parseRights(dst []rxHandle, oob []byte) ([]rxHandle, error) {
	err := eachRight(oob, func(fd int) {
		dst = append(dst, rxHandle{f: os.NewFile(uintptr(fd), "nodeipc-handle")})
	})
	return dst, err
}

// eachRight calls fn with every non-negative descriptor of every
// SCM_RIGHTS message in oob, in order, and reports a malformed header
// (after calling fn for the descriptors before it).
func eachRight(oob []byte, fn func(fd int)) error {
	hdr := unix.CmsgLen(0) // aligned header size
	for len(oob) >= unix.SizeofCmsghdr {
		n, level, typ := cmsgHeader(oob)
		if n < uint64(hdr) || n > uint64(len(oob)) {
			return fmt.Errorf("control message length %d (%d bytes left)", n, len(oob))
		}
		l := int(n)
		if level == unix.SOL_SOCKET && typ == unix.SCM_RIGHTS {
			data := oob[hdr:l]
			for i := 0; i+4 <= len(data); i += 4 {
				fd := int32(binary.NativeEndian.Uint32(data[i:]))
				if fd >= 0 {
					fn(int(fd))
				}
			}
		}
		next := unix.CmsgSpace(l - hdr)
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return nil
}

// cmsgHeader decodes the cmsghdr at the start of b (at least
// unix.SizeofCmsghdr bytes) without assuming b is aligned.
func cmsgHeader(b []byte) (n uint64, level, typ int32) {
	var h unix.Cmsghdr
	off := int(unsafe.Sizeof(h.Len))
	if off == 8 {
		n = binary.NativeEndian.Uint64(b)
	} else {
		n = uint64(binary.NativeEndian.Uint32(b))
	}
	level = int32(binary.NativeEndian.Uint32(b[off:]))
	typ = int32(binary.NativeEndian.Uint32(b[off+4:]))
	return n, level, typ
}
