package main

import "encoding/binary"

// Names of the generated DLL.
const (
	dllName    = "bcryptprimitives.dll"
	exportName = "ProcessPrng"
	forwardTo  = "advapi32.SystemFunction036"
)

// Layout of the image: headers in the first file block, the export section
// in the second, mapped at one page.
const (
	fileAlign    = 0x200
	sectAlign    = 0x1000
	sectRVA      = 0x1000
	imageBase    = 0x180000000
	peOffset     = 0x40 // e_lfanew: the PE header right after the DOS header
	optHdrSize   = 240  // PE32+ optional header with 16 data directories
	exportDirLen = 40   // IMAGE_EXPORT_DIRECTORY
)

// forwarderDLL builds the DLL image: a DOS header, the PE headers, one
// read-only section holding the export directory, and nothing else (no code,
// no entry point, no imports, no relocations: the image contains no
// absolute addresses, so the loader may map it anywhere).
func forwarderDLL() []byte {
	// Export section contents, as offsets from the section start.
	const (
		offEAT      = exportDirLen // address table: 1 entry
		offNames    = offEAT + 4   // name pointer table: 1 entry
		offOrdinals = offNames + 4 // ordinal table: 1 entry (uint16)
		offStrings  = offOrdinals + 2
	)
	sect := make([]byte, offStrings)
	str := func(s string) uint32 {
		off := len(sect)
		sect = append(sect, s...)
		sect = append(sect, 0)
		return uint32(sectRVA + off)
	}
	nameRVA := str(dllName)
	exportRVA := str(exportName)
	fwdRVA := str(forwardTo)
	le := binary.LittleEndian
	le.PutUint32(sect[12:], nameRVA)          // Name
	le.PutUint32(sect[16:], 1)                // Base (first ordinal)
	le.PutUint32(sect[20:], 1)                // NumberOfFunctions
	le.PutUint32(sect[24:], 1)                // NumberOfNames
	le.PutUint32(sect[28:], sectRVA+offEAT)   // AddressOfFunctions
	le.PutUint32(sect[32:], sectRVA+offNames) // AddressOfNames
	le.PutUint32(sect[36:], sectRVA+offOrdinals)
	// An address table entry that points inside the export directory's
	// range (data directory 0) is a forwarder string, not code.
	le.PutUint32(sect[offEAT:], fwdRVA)
	le.PutUint32(sect[offNames:], exportRVA)
	le.PutUint16(sect[offOrdinals:], 0)
	exportSize := uint32(len(sect))
	rawSize := (len(sect) + fileAlign - 1) &^ (fileAlign - 1)

	img := make([]byte, fileAlign+rawSize)
	// DOS header: the "MZ" magic and e_lfanew are all a loader reads.
	img[0], img[1] = 'M', 'Z'
	le.PutUint32(img[0x3c:], peOffset)
	p := img[peOffset:]
	copy(p, "PE\x00\x00")
	// COFF file header.
	coff := p[4:]
	le.PutUint16(coff[0:], 0x8664)      // Machine: AMD64
	le.PutUint16(coff[2:], 1)           // NumberOfSections
	le.PutUint16(coff[16:], optHdrSize) // SizeOfOptionalHeader
	le.PutUint16(coff[18:], 0x2022)     // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL
	// Optional header (PE32+).
	o := coff[20:]
	le.PutUint16(o[0:], 0x20b)              // Magic: PE32+
	le.PutUint32(o[8:], uint32(rawSize))    // SizeOfInitializedData
	le.PutUint32(o[20:], sectRVA)           // BaseOfCode
	le.PutUint64(o[24:], imageBase)         // ImageBase
	le.PutUint32(o[32:], sectAlign)         // SectionAlignment
	le.PutUint32(o[36:], fileAlign)         // FileAlignment
	le.PutUint16(o[40:], 6)                 // MajorOperatingSystemVersion
	le.PutUint16(o[48:], 6)                 // MajorSubsystemVersion
	le.PutUint32(o[56:], sectRVA+sectAlign) // SizeOfImage
	le.PutUint32(o[60:], fileAlign)         // SizeOfHeaders
	le.PutUint16(o[68:], 3)                 // Subsystem: console
	le.PutUint16(o[70:], 0x0100)            // DllCharacteristics: NX_COMPAT
	le.PutUint64(o[72:], 0x100000)          // SizeOfStackReserve
	le.PutUint64(o[80:], 0x1000)            // SizeOfStackCommit
	le.PutUint64(o[88:], 0x100000)          // SizeOfHeapReserve
	le.PutUint64(o[96:], 0x1000)            // SizeOfHeapCommit
	le.PutUint32(o[108:], 16)               // NumberOfRvaAndSizes
	le.PutUint32(o[112:], sectRVA)          // data directory 0: exports
	le.PutUint32(o[116:], exportSize)
	// Section header.
	s := o[optHdrSize:]
	copy(s, ".edata")
	le.PutUint32(s[8:], exportSize)       // VirtualSize
	le.PutUint32(s[12:], sectRVA)         // VirtualAddress
	le.PutUint32(s[16:], uint32(rawSize)) // SizeOfRawData
	le.PutUint32(s[20:], fileAlign)       // PointerToRawData
	le.PutUint32(s[36:], 0x40000040)      // INITIALIZED_DATA | MEM_READ
	copy(img[fileAlign:], sect)
	return img
}
