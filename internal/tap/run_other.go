//go:build !(darwin || freebsd || linux || netbsd || openbsd)

package tap

import (
	"fmt"
	"io"
	"runtime"
)

// Main is the command; on this platform it only reports that the tap is
// not available (Windows channels are libuv named pipes whose handles are
// duplicated for one target process, which a relay cannot pass on as is).
func Main(args []string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "nodeipc-tap: not supported on %s\n", runtime.GOOS)
	return 1
}
