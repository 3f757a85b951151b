package v8value

import (
	"math/big"
	"reflect"
)

var (
	anySliceType = reflect.TypeFor[[]any]()
	anyMapType   = reflect.TypeFor[map[string]any]()
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
		key := convKey{x, anyMapType}
		if m, ok := c.done[key]; ok {
			return m.Interface(), nil
		}
		m := make(map[string]any, len(x.Props))
		c.done[key] = reflect.ValueOf(m)
		for _, p := range x.Props {
			if _, undef := p.Value.(Undefined); undef {
				continue
			}
			var e any
			if err := c.assignField(reflect.ValueOf(&e).Elem(), p.Value, p.Key); err != nil {
				return nil, err
			}
			m[p.Key] = e
		}
		return m, nil
	case *Array:
		key := convKey{x, anySliceType}
		if s, ok := c.done[key]; ok {
			return s.Interface(), nil
		}
		if x.Sparse {
			s, err := c.toSlice(anySliceType, x)
			if err != nil {
				return nil, err
			}
			c.done[key] = s
			return s.Interface(), nil
		}
		s := make([]any, len(x.Elements))
		c.done[key] = reflect.ValueOf(s)
		for i, e := range x.Elements {
			if err := c.assignAt(reflect.ValueOf(s).Index(i), e, i); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	return v, nil
}
