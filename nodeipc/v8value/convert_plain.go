package v8value

import (
	"math/big"
	"reflect"
	"strconv"
)

// plain converts a decoded value for an empty interface target: the Go
// types encoding/json gives the same value received as JSON (see
// Unmarshal).
func (c *converter) plain(v any) (any, error) {
	switch x := v.(type) {
	case nil, Undefined, Hole:
		return nil, nil
	case bool, string:
		return x, nil
	case int:
		return float64(x), nil
	case Double:
		return float64(x), nil
	case UTF16String:
		return x.String(), nil
	case *big.Int:
		return x, nil
	case *Boxed:
		return c.plain(x.Value)
	case *Date:
		if !x.Valid() {
			return nil, nil
		}
		return x.Time(), nil
	case *Object:
		key := convKey{x, reflect.TypeFor[map[string]any]()}
		if m, ok := c.done[key]; ok {
			return m.Interface(), nil
		}
		m := make(map[string]any, len(x.Props))
		c.done[key] = reflect.ValueOf(m)
		for _, p := range x.Props {
			if _, undef := p.Value.(Undefined); undef {
				continue
			}
			e, err := c.plainIn(p.Value)
			if err != nil {
				prefixPath(err, "."+p.Key)
				return nil, err
			}
			m[p.Key] = e
		}
		return m, nil
	case *Array:
		key := convKey{x, reflect.TypeFor[[]any]()}
		if s, ok := c.done[key]; ok {
			return s.Interface(), nil
		}
		if x.Sparse {
			s, err := c.toSlice(reflect.TypeFor[[]any](), x)
			if err != nil {
				return nil, err
			}
			c.done[key] = s
			return s.Interface(), nil
		}
		s := make([]any, len(x.Elements))
		c.done[key] = reflect.ValueOf(s)
		for i, e := range x.Elements {
			p, err := c.plainIn(e)
			if err != nil {
				prefixPath(err, "["+strconv.Itoa(i)+"]")
				return nil, err
			}
			s[i] = p
		}
		return s, nil
	}
	return v, nil
}

// plainIn converts a value inside an object or array one level deeper, as
// assign would into an empty interface, without going through reflection.
func (c *converter) plainIn(v any) (any, error) {
	c.depth++
	if c.depth > c.max {
		c.depth--
		return nil, ErrMaxDepth
	}
	if hd, ok := v.(*HostObject); ok {
		v = hd.Value
	}
	p, err := c.plain(v)
	c.depth--
	return p, err
}
