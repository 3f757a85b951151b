//go:build darwin || freebsd || linux || netbsd || openbsd

package nodeipc

// framed tells the spin policy whether the last read completed a message.
func (t *transport) framed(whole bool) { t.spin.framed(whole) }
