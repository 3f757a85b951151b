package v8value

import (
	"math"
	"reflect"
	"strconv"
)

// assignAt converts element i of an array or Set. The path of a value
// is only built when an error is reported: each level prefixes its step
// while the error travels up.
func (c *converter) assignAt(dst reflect.Value, v any, i int) error {
	err := c.assign(dst, v)
	if err != nil {
		prefixPath(err, "["+strconv.Itoa(i)+"]")
	}
	return err
}

// assignField converts the value of property key.
func (c *converter) assignField(dst reflect.Value, v any, key string) error {
	err := c.assign(dst, v)
	if err != nil {
		prefixPath(err, "."+key)
	}
	return err
}

func prefixPath(err error, step string) {
	switch e := err.(type) {
	case *UnmarshalTypeError:
		e.Path = step + e.Path
	case *SparseArrayError:
		e.Path = step + e.Path
	}
}

// sparseExtent returns the slice length a sparse array expands to (its
// highest index below Length, plus one) and how many index properties it
// holds.
func sparseExtent(a *Array) (n uint64, present int) {
	for _, p := range a.Props {
		if i, ok := arrayIndex(p.Key); ok && i < a.Length {
			present++
			if uint64(i) >= n {
				n = uint64(i) + 1 // in uint64: it can pass math.MaxInt on 32-bit
			}
		}
	}
	return n, present
}

// toSlice converts an array or a Set to a new slice of type t. Missing
// indices of a sparse array are left as zero values (what undefined
// converts to), without materialising them first.
func (c *converter) toSlice(t reflect.Type, v any) (reflect.Value, error) {
	switch x := v.(type) {
	case *Set:
		return c.fillSlice(t, x.Values)
	case *Array:
		if !x.Sparse {
			return c.fillSlice(t, x.Elements)
		}
		ext, present := sparseExtent(x)
		if ext > math.MaxInt || (ext > uint64(c.sparse) && ext > 2*uint64(present)) {
			return reflect.Value{}, &SparseArrayError{Length: clampInt(uint64(x.Length)), Extent: clampInt(ext), Present: present, Limit: c.sparse}
		}
		n := int(ext)
		s := reflect.MakeSlice(t, n, n)
		for _, p := range x.Props {
			if i, ok := arrayIndex(p.Key); ok && int(i) < n {
				if err := c.assignAt(s.Index(int(i)), p.Value, int(i)); err != nil {
					return reflect.Value{}, err
				}
			}
		}
		return s, nil
	}
	return reflect.Value{}, c.mismatch(v, t)
}

func (c *converter) fillSlice(t reflect.Type, elems []any) (reflect.Value, error) {
	s := reflect.MakeSlice(t, len(elems), len(elems))
	for i, e := range elems {
		if err := c.assignAt(s.Index(i), e, i); err != nil {
			return reflect.Value{}, err
		}
	}
	return s, nil
}

// toArray converts an array or a Set into the Go array dst; elements
// beyond the source are zeroed, elements beyond dst are ignored.
func (c *converter) toArray(dst reflect.Value, v any) error {
	var elems []any
	switch x := v.(type) {
	case *Set:
		elems = x.Values
	case *Array:
		if !x.Sparse {
			elems = x.Elements
			break
		}
		dst.SetZero()
		for _, p := range x.Props {
			if i, ok := arrayIndex(p.Key); ok && i < x.Length && int64(i) < int64(dst.Len()) {
				if err := c.assignAt(dst.Index(int(i)), p.Value, int(i)); err != nil {
					return err
				}
			}
		}
		return nil
	default:
		return c.mismatch(v, dst.Type())
	}
	for i := 0; i < dst.Len(); i++ {
		if i < len(elems) {
			if err := c.assignAt(dst.Index(i), elems[i], i); err != nil {
				return err
			}
		} else {
			dst.Index(i).SetZero()
		}
	}
	return nil
}

// clampInt is n as an int, math.MaxInt where it does not fit (32-bit).
func clampInt(n uint64) int {
	if n > math.MaxInt {
		return math.MaxInt
	}
	return int(n)
}
