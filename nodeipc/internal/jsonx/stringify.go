package jsonx

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file turns the encoder's output into the bytes JSON.stringify writes
// for the same JavaScript value. The encoder already matches it for almost
// every value; what differs is rare and cheap to detect (needsFix), and
// only then is the text rewritten (canonical):
//
//   - object keys that are array indices ("0" … "4294967294") come first,
//     in numeric order, then the other keys in the order written (a
//     JavaScript object enumerates its own keys that way);
//   - -0 is written 0;
//   - strings are written with JSON.stringify's escapes: only `"`, `\`,
//     \b \f \n \r \t, other control characters as \u00xx, lone surrogates
//     as \udxxx (lower-case hex); everything else raw, including U+2028,
//     U+2029 and U+FFFD (which the encoder writes as escapes).
//
// A repeated key (possible only in pre-encoded JSON) keeps its first
// position and its last value, as JSON.parse does.

// needsFix reports whether b (compact JSON text as the encoder writes it)
// may differ from JSON.stringify's text. It allocates nothing and scans
// with bytes.IndexByte (vectorised) for the three bytes that can start a
// difference; a false positive only costs a rewrite that changes nothing.
func needsFix(b []byte) bool {
	// An escape JSON.stringify would not write: \/, \u other than a
	// lower-case control-character escape (U+2028, U+2029, U+FFFD,
	// surrogates in pre-encoded JSON...).
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 {
			break
		}
		i += j
		if i+1 < len(b) {
			switch b[i+1] {
			case '/':
				return true
			case 'u':
				if i+5 >= len(b) || b[i+2] != '0' || b[i+3] != '0' || (b[i+4] != '0' && b[i+4] != '1') || !isLowerHex(b[i+5]) {
					return true
				}
			}
		}
		i += 2 // past the escaped byte: a backslash is always an escape's first
		if i >= len(b) {
			break
		}
	}
	// -0: a number starts the text or follows '[', ',' or ':'.
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], '-')
		if j < 0 {
			break
		}
		i += j
		if (i == 0 || b[i-1] == '[' || b[i-1] == ',' || b[i-1] == ':') &&
			i+1 < len(b) && b[i+1] == '0' && (i+2 == len(b) || !isNumberByte(b[i+2])) {
			return true
		}
	}
	// `"<digits>":` is a key that may be an array index.
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], ':')
		if j < 0 {
			break
		}
		i += j
		if i >= 3 && b[i-1] == '"' && isDigit(b[i-2]) {
			k := i - 3
			for k > 0 && isDigit(b[k]) {
				k--
			}
			if b[k] == '"' {
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLowerHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// canonical rewrites the valid JSON text b as JSON.stringify would write
// the value JSON.parse reads from it (see the file comment for what
// changes; numbers other than -0 keep their digits). ok is false when b is
// not valid JSON (then it is returned unchanged).
func canonical(b []byte) ([]byte, bool) {
	r := rewriter{in: b}
	r.space()
	out, ok := r.value(make([]byte, 0, len(b)))
	r.space()
	if !ok || r.i != len(b) {
		return b, false
	}
	return out, true
}

type rewriter struct {
	in []byte
	i  int
}

func (r *rewriter) space() {
	for r.i < len(r.in) {
		switch r.in[r.i] {
		case ' ', '\t', '\r', '\n':
			r.i++
		default:
			return
		}
	}
}

func (r *rewriter) value(dst []byte) ([]byte, bool) {
	if r.i >= len(r.in) {
		return dst, false
	}
	switch c := r.in[r.i]; {
	case c == '{':
		return r.object(dst)
	case c == '[':
		r.i++
		dst = append(dst, '[')
		r.space()
		if r.i < len(r.in) && r.in[r.i] == ']' {
			r.i++
			return append(dst, ']'), true
		}
		for {
			r.space()
			var ok bool
			if dst, ok = r.value(dst); !ok {
				return dst, false
			}
			r.space()
			if r.i >= len(r.in) {
				return dst, false
			}
			switch r.in[r.i] {
			case ',':
				r.i++
				dst = append(dst, ',')
			case ']':
				r.i++
				return append(dst, ']'), true
			default:
				return dst, false
			}
		}
	case c == '"':
		s, ok := r.str()
		if !ok {
			return dst, false
		}
		return appendStringify(dst, s), true
	case c == '-' || c >= '0' && c <= '9':
		start := r.i
		for r.i < len(r.in) && isNumberByte(r.in[r.i]) {
			r.i++
		}
		num := r.in[start:r.i]
		if f, err := strconv.ParseFloat(string(num), 64); err == nil && f == 0 && num[0] == '-' {
			return append(dst, '0'), true
		}
		return append(dst, num...), true
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(r.in[r.i:], []byte(lit)) {
				r.i += len(lit)
				return append(dst, lit...), true
			}
		}
		return dst, false
	}
}

type member struct {
	key   []uint16
	index uint32 // valid when isIndex
	isIdx bool
	value []byte
}

func (r *rewriter) object(dst []byte) ([]byte, bool) {
	r.i++ // '{'
	var ms []member
	seen := map[string]int{}
	r.space()
	if r.i < len(r.in) && r.in[r.i] == '}' {
		r.i++
		return append(dst, "{}"...), true
	}
	for {
		r.space()
		if r.i >= len(r.in) || r.in[r.i] != '"' {
			return dst, false
		}
		key, ok := r.str()
		if !ok {
			return dst, false
		}
		r.space()
		if r.i >= len(r.in) || r.in[r.i] != ':' {
			return dst, false
		}
		r.i++
		r.space()
		val, ok := r.value(nil)
		if !ok {
			return dst, false
		}
		k := string(utf16.Decode(key)) // only for duplicate detection
		if j, dup := seen[k]; dup && slices.Equal(ms[j].key, key) {
			ms[j].value = val
		} else {
			idx, isIdx := arrayIndex(key)
			seen[k] = len(ms)
			ms = append(ms, member{key: key, index: idx, isIdx: isIdx, value: val})
		}
		r.space()
		if r.i >= len(r.in) {
			return dst, false
		}
		if r.in[r.i] == '}' {
			r.i++
			break
		}
		if r.in[r.i] != ',' {
			return dst, false
		}
		r.i++
	}
	// Array indices first, ascending; the rest keep their order.
	slices.SortStableFunc(ms, func(a, b member) int {
		switch {
		case a.isIdx && b.isIdx:
			return cmp.Compare(a.index, b.index) // a difference overflows int on 32-bit
		case a.isIdx:
			return -1
		case b.isIdx:
			return 1
		}
		return 0
	})
	dst = append(dst, '{')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendStringify(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, m.value...)
	}
	return append(dst, '}'), true
}

// arrayIndex reports whether key is a canonical array index: "0" or a
// decimal without leading zeros, at most 2^32-2 (ECMA-262 CanonicalNumericIndex
// for arrays, the keys V8 enumerates first).
func arrayIndex(key []uint16) (uint32, bool) {
	if len(key) == 0 || len(key) > 10 || (len(key) > 1 && key[0] == '0') {
		return 0, false
	}
	var n uint64
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-2 {
		return 0, false
	}
	return uint32(n), true
}

// str reads a JSON string at r.i as UTF-16 code units (a JavaScript
// string: lone surrogate escapes survive). Ill-formed UTF-8 becomes U+FFFD.
func (r *rewriter) str() ([]uint16, bool) {
	r.i++ // opening quote
	var s []uint16
	for r.i < len(r.in) {
		c := r.in[r.i]
		switch {
		case c == '"':
			r.i++
			return s, true
		case c == '\\':
			if r.i+1 >= len(r.in) {
				return nil, false
			}
			e := r.in[r.i+1]
			r.i += 2
			switch e {
			case '"', '\\', '/':
				s = append(s, uint16(e))
			case 'b':
				s = append(s, '\b')
			case 'f':
				s = append(s, '\f')
			case 'n':
				s = append(s, '\n')
			case 'r':
				s = append(s, '\r')
			case 't':
				s = append(s, '\t')
			case 'u':
				if r.i+4 > len(r.in) {
					return nil, false
				}
				v, err := strconv.ParseUint(string(r.in[r.i:r.i+4]), 16, 16)
				if err != nil {
					return nil, false
				}
				s = append(s, uint16(v))
				r.i += 4
			default:
				return nil, false
			}
		case c < 0x20:
			return nil, false
		case c < utf8.RuneSelf:
			s = append(s, uint16(c))
			r.i++
		default:
			ru, n := utf8.DecodeRune(r.in[r.i:])
			r.i += n
			s = utf16.AppendRune(s, ru)
		}
	}
	return nil, false
}

// appendStringify appends s quoted as JSON.stringify quotes a string
// (ECMA-262 QuoteJSONString, well-formed since ES2019).
func appendStringify(dst []byte, s []uint16) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', byte(c))
		case c == '\b':
			dst = append(dst, `\b`...)
		case c == '\f':
			dst = append(dst, `\f`...)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		case c < utf8.RuneSelf:
			dst = append(dst, byte(c))
		case utf16.IsSurrogate(rune(c)):
			if c < 0xDC00 && i+1 < len(s) && s[i+1] >= 0xDC00 && s[i+1] <= 0xDFFF {
				dst = utf8.AppendRune(dst, utf16.DecodeRune(rune(c), rune(s[i+1])))
				i++
				continue
			}
			dst = append(dst, '\\', 'u', hex[c>>12], hex[c>>8&15], hex[c>>4&15], hex[c&15])
		default:
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return append(dst, '"')
}
