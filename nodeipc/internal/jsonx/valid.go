package jsonx

// ValidText reports whether p is one JSON text as JSON.parse accepts it
// (RFC 8259: one value between optional JSON whitespace). Unlike the
// validators of encoding/json and goccy/go-json it has no nesting limit:
// V8's JSON.parse has none either, and Node 26's JSON.stringify produces
// values nested far deeper than their limit of 10,000. It is the fallback
// when the fast validator refuses a line, so that a deep but valid message
// is delivered instead of being reported as malformed. p must be valid
// UTF-8 (see NodeUTF8); bytes >= 0x80 are only allowed inside strings.
func ValidText(p []byte) bool {
	var stack []byte // '[' or '{' per open container
	i := skipWS(p, 0)
	for {
		// A value is expected at i.
		if i >= len(p) {
			return false
		}
		switch c := p[i]; {
		case c == '{':
			i = skipWS(p, i+1)
			if i < len(p) && p[i] == '}' {
				i++
				break
			}
			stack = append(stack, '{')
			if i = scanKey(p, i); i < 0 {
				return false
			}
			continue
		case c == '[':
			i = skipWS(p, i+1)
			if i < len(p) && p[i] == ']' {
				i++
				break
			}
			stack = append(stack, '[')
			continue
		case c == '"':
			if i = scanString(p, i); i < 0 {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if i = scanNumber(p, i); i < 0 {
				return false
			}
		default:
			n := literal(p[i:])
			if n == 0 {
				return false
			}
			i += n
		}
		// After a value: close containers or go on to the next member.
		for {
			i = skipWS(p, i)
			if len(stack) == 0 {
				return i == len(p)
			}
			if i >= len(p) {
				return false
			}
			top := stack[len(stack)-1]
			switch {
			case p[i] == ',':
				i = skipWS(p, i+1)
				if top == '{' {
					if i = scanKey(p, i); i < 0 {
						return false
					}
				}
			case (top == '[' && p[i] == ']') || (top == '{' && p[i] == '}'):
				stack = stack[:len(stack)-1]
				i++
				continue
			default:
				return false
			}
			break
		}
	}
}

func skipWS(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

// scanKey scans `"key" :` and the whitespace after it, returning the index
// of the member's value, or -1.
func scanKey(p []byte, i int) int {
	if i >= len(p) || p[i] != '"' {
		return -1
	}
	if i = scanString(p, i); i < 0 {
		return -1
	}
	i = skipWS(p, i)
	if i >= len(p) || p[i] != ':' {
		return -1
	}
	return skipWS(p, i+1)
}

// scanString scans the string starting at p[i] == '"' and returns the index
// after its closing quote, or -1.
func scanString(p []byte, i int) int {
	for i++; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(p) {
				return -1
			}
			switch p[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(p) {
					return -1
				}
				for _, h := range p[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// scanNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and returns
// the index after it, or -1.
func scanNumber(p []byte, i int) int {
	digits := func(i int) int {
		j := i
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		return j
	}
	if p[i] == '-' {
		i++
	}
	switch {
	case i < len(p) && p[i] == '0':
		i++
	case i < len(p) && p[i] >= '1' && p[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(p) && p[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		i++
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// literal returns the length of the true, false or null at the start of b,
// or 0.
func literal(b []byte) int {
	for _, l := range []string{"true", "false", "null"} {
		if len(b) >= len(l) && string(b[:len(l)]) == l {
			return len(l)
		}
	}
	return 0
}
