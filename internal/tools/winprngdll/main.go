// Command winprngdll writes a stand-in bcryptprimitives.dll for running Go
// Windows binaries under wine 8, which lacks that DLL. The Go runtime (since
// Go 1.22) loads bcryptprimitives.dll at start-up and calls its ProcessPrng;
// without it a Go program dies with "bcryptprimitives.dll not found".
//
// The generated file is a PE32+ (x86-64) DLL without code: its only content
// is an export directory whose one export, ProcessPrng, is a forwarder to
// advapi32.SystemFunction036 (RtlGenRandom). Both take (buffer, length) and
// return a BOOL, and the Go runtime ignores ProcessPrng's result, so the
// forwarder is a faithful substitute. A newer wine ships the real DLL; do not
// install this one there.
//
// Usage:
//
//	go run ./internal/tools/winprngdll -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("o", "bcryptprimitives.dll", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, forwarderDLL(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "winprngdll:", err)
		os.Exit(1)
	}
}
