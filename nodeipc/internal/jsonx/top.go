package jsonx

import "bytes"

// Top classifies a JSON text without decoding it: it validates p (with
// the validators that build nothing) and, when p is an object, returns the
// raw values of its top-level members named in keys (the members internal
// messages are routed by),
// the last occurrence of a key winning as in JSON.parse. Everything else
// is skipped, so a large message that looks internal costs one pass over
// its bytes and no allocation beyond the returned map.
func Top(p []byte, keys []string) (f map[string]RawMessage, object, valid bool) {
	if !Valid(p) && !ValidText(p) {
		return nil, false, false
	}
	i := skipWS(p, 0)
	if i >= len(p) || p[i] != '{' {
		return nil, false, true
	}
	f = map[string]RawMessage{}
	i = skipWS(p, i+1)
	for i < len(p) && p[i] == '"' {
		ks := i
		ke := skipJSONString(p, i)
		i = skipWS(p, ke)
		i = skipWS(p, i+1) // the colon
		vs := i
		i = skipJSONValue(p, i)
		if k, ok := topKey(p[ks:ke], keys); ok {
			f[k] = p[vs:i]
		}
		i = skipWS(p, i)
		if i < len(p) && p[i] == ',' {
			i = skipWS(p, i+1)
		}
	}
	return f, true, true
}

// topKey reports whether the JSON string s (quotes included) names one of
// keys, unescaping it only when it has escapes.
func topKey(s []byte, keys []string) (string, bool) {
	raw := s[1 : len(s)-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		longest := 0
		for _, k := range keys {
			longest = max(longest, len(k))
		}
		if len(raw) > 6*longest {
			return "", false // longer than any escaped spelling of a key
		}
		var k string
		if Unmarshal(s, &k) != nil {
			return "", false
		}
		raw = []byte(k)
	}
	for _, k := range keys {
		if string(raw) == k {
			return k, true
		}
	}
	return "", false
}

// skipJSONValue returns the index after the value that starts at p[i] in
// a valid JSON text (validity is what lets it look at brackets, quotes and
// backslashes only).
func skipJSONValue(p []byte, i int) int {
	switch c := p[i]; {
	case c == '"':
		return skipJSONString(p, i)
	case c == '{' || c == '[':
		depth := 0
		for ; i < len(p); i++ {
			switch p[i] {
			case '"':
				i = skipJSONString(p, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(p, i)
	}
	return i + literal(p[i:])
}

// skipJSONString returns the index after the valid JSON string at p[i].
func skipJSONString(p []byte, i int) int {
	for i++; i < len(p); i++ {
		switch p[i] {
		case '"':
			return i + 1
		case '\\':
			i++
		}
	}
	return i
}
