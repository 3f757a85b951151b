//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

// framed tells the spin policy whether the last read completed a message
// (read passes on the reader's framing hint).
func (t *sockTransport) framed(whole bool) { t.spin.framed(whole) }
