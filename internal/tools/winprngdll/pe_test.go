package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"testing"
)

// TestForwarderDLL parses the generated image with debug/pe and follows the
// export directory to the forwarder string, as the Windows loader does.
func TestForwarderDLL(t *testing.T) {
	img := forwarderDLL()
	f, err := pe.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 || f.Characteristics&pe.IMAGE_FILE_DLL == 0 {
		t.Fatalf("machine %#x characteristics %#x", f.Machine, f.Characteristics)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		t.Fatalf("optional header %T, want PE32+", f.OptionalHeader)
	}
	if oh.AddressOfEntryPoint != 0 || oh.SizeOfCode != 0 {
		t.Fatalf("entry %#x code %d: the DLL must hold no code", oh.AddressOfEntryPoint, oh.SizeOfCode)
	}
	dir := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT]
	if len(f.Sections) != 1 {
		t.Fatalf("%d sections", len(f.Sections))
	}
	sec := f.Sections[0]
	data, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	at := func(rva uint32) []byte { return data[rva-sec.VirtualAddress:] }
	cstr := func(rva uint32) string {
		b := at(rva)
		return string(b[:bytes.IndexByte(b, 0)])
	}
	le := binary.LittleEndian
	ed := at(dir.VirtualAddress)
	if got := cstr(le.Uint32(ed[12:])); got != dllName {
		t.Errorf("DLL name %q", got)
	}
	if n, m := le.Uint32(ed[20:]), le.Uint32(ed[24:]); n != 1 || m != 1 {
		t.Fatalf("%d functions, %d names", n, m)
	}
	name := cstr(le.Uint32(at(le.Uint32(ed[32:]))))
	ord := le.Uint16(at(le.Uint32(ed[36:])))
	fn := le.Uint32(at(le.Uint32(ed[28:]) + 4*uint32(ord)))
	if name != exportName {
		t.Errorf("export %q", name)
	}
	if fn < dir.VirtualAddress || fn >= dir.VirtualAddress+dir.Size {
		t.Fatalf("export RVA %#x outside the export directory: not a forwarder", fn)
	}
	if got := cstr(fn); got != forwardTo {
		t.Errorf("forwarder %q", got)
	}
	if len(img) > 1024 {
		t.Errorf("%d bytes; a forwarder DLL needs about 1 KiB", len(img))
	}
}
