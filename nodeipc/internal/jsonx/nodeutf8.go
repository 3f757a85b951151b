package jsonx

import "unicode/utf8"

// NodeUTF8 returns p with every ill-formed UTF-8 sequence replaced by
// U+FFFD the way Node's channel reader does (a StringDecoder, which follows
// the WHATWG decoder: one U+FFFD per maximal subpart of an ill-formed
// sequence, so a truncated 3- or 4-byte sequence becomes one U+FFFD, not one
// per byte as in Go's decoders). Valid input is returned as is, without a
// copy. Since 0x0A is never part of a multi-byte sequence, decoding line by
// line gives the same text as Node's decoding of the whole stream.
func NodeUTF8(p []byte) []byte {
	if utf8.Valid(p) {
		return p
	}
	out := make([]byte, 0, len(p)+8)
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		if r, size := utf8.DecodeRune(p[i:]); r != utf8.RuneError || size > 1 {
			out = append(out, p[i:i+size]...)
			i += size
			continue
		}
		// Ill-formed: skip the lead byte and the continuation bytes that
		// could still have completed it (the maximal subpart).
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c == 0xF4:
			need, hi = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		}
		n := 1
		for k := 0; k < need && i+n < len(p); k++ {
			if d := p[i+n]; d < lo || d > hi {
				break
			}
			n++
			lo, hi = 0x80, 0xBF
		}
		out = utf8.AppendRune(out, utf8.RuneError)
		i += n
	}
	return out
}
