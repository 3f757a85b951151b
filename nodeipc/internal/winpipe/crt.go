package winpipe

import (
	"encoding/binary"
	"fmt"
)

// Flags of the C runtime's per-descriptor byte in the inheritance block.
const (
	CRTOpen = 0x01 // FOPEN: the descriptor is open
	CRTPipe = 0x08 // FPIPE: it is a pipe
	CRTDev  = 0x40 // FDEV: it is a character device
)

// CRTHandle finds descriptor fd in the C runtime's handle-inheritance block,
// the bytes a parent passes in STARTUPINFO.lpReserved2 (libuv fills it in
// for every stdio slot of a child): a little-endian int32 count, then count
// flag bytes, then count HANDLEs of 8 bytes on 64-bit Windows, packed (the
// HANDLEs are unaligned). It returns the HANDLE value and its flag byte.
func CRTHandle(block []byte, fd int) (handle uint64, flags byte, err error) {
	if len(block) < 4 {
		return 0, 0, fmt.Errorf("no C runtime handle block in STARTUPINFO (%d bytes)", len(block))
	}
	count := int64(int32(binary.LittleEndian.Uint32(block)))
	if count < 0 || 4+9*count > int64(len(block)) {
		return 0, 0, fmt.Errorf("the C runtime handle block of %d bytes cannot hold %d descriptors", len(block), count)
	}
	if fd < 0 || int64(fd) >= count {
		return 0, 0, fmt.Errorf("descriptor %d is not in the C runtime handle block (%d descriptors)", fd, count)
	}
	n := int(count)
	flags = block[4+fd]
	handle = binary.LittleEndian.Uint64(block[4+n+8*fd:])
	if flags&CRTOpen == 0 {
		return handle, flags, fmt.Errorf("descriptor %d is not open in the C runtime handle block (flags %#x)", fd, flags)
	}
	return handle, flags, nil
}

// AppendCRTBlock builds an inheritance block for the given HANDLEs and flag
// bytes (len(flags) == len(handles)), as a parent passes it to CreateProcess.
func AppendCRTBlock(b []byte, flags []byte, handles []uint64) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(handles)))
	b = append(b, flags...)
	for _, h := range handles {
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return b
}
