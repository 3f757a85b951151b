//go:build !(darwin || freebsd || linux || netbsd || openbsd)

package nodeipc

// memHandle: handles do not travel over the in-memory transport here.
func memHandle(txHandle) (rxHandle, error) { return rxHandle{}, errNoMemHandle }
