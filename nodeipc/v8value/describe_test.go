package v8value

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// describe mirrors describe() in testdata/node/v8-golden.js.
type describer struct {
	seen map[any]int
}

func dUnits(u []uint16) string {
	if len(u) <= 32 {
		parts := make([]string, len(u))
		for i, c := range u {
			parts[i] = strconv.FormatUint(uint64(c), 16)
		}
		return "s" + strings.Join(parts, ".")
	}
	h := uint32(0x811c9dc5)
	for _, c := range u {
		h = (h ^ uint32(c&0xff)) * 0x01000193
		h = (h ^ uint32(c>>8)) * 0x01000193
	}
	return "s#" + strconv.Itoa(len(u)) + "#" + strconv.FormatUint(uint64(h), 16)
}

func dStr(s string) string { return dUnits(utf16.Encode([]rune(s))) }

func dNum(f float64) string {
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	return formatNumber(f)
}

func jsOrder(ps []Property) []Property {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Property) int {
		ai, aok := arrayIndex(a.Key)
		bi, bok := arrayIndex(b.Key)
		switch {
		case aok && bok:
			return int(int64(ai) - int64(bi))
		case aok:
			return -1
		case bok:
			return 1
		}
		return 0
	})
	return out
}

func (d *describer) props(ps []Property) string {
	var parts []string
	for _, p := range jsOrder(ps) {
		parts = append(parts, dStr(p.Key)+":"+d.describe(p.Value))
	}
	return strings.Join(parts, ",")
}

func (d *describer) describe(v any) string {
	switch x := v.(type) {
	case Undefined:
		return "u"
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int:
		return "n" + dNum(float64(x))
	case Double:
		return "n" + dNum(float64(x))
	case float64:
		return "n" + dNum(x)
	case *big.Int:
		return "Z" + x.String()
	case string:
		return dStr(x)
	case UTF16String:
		return dUnits(x)
	}
	if id, ok := d.seen[v]; ok {
		return "#" + strconv.Itoa(id)
	}
	d.seen[v] = len(d.seen)
	switch x := v.(type) {
	case *Object:
		return "O{" + d.props(x.Props) + "}"
	case *HostObject:
		return d.describe(x.Value)
	case *Array:
		ps := x.Props
		if !x.Sparse {
			var el []Property
			for i, e := range x.Elements {
				if _, hole := e.(Hole); !hole {
					el = append(el, Property{Key: strconv.Itoa(i), Value: e})
				}
			}
			ps = append(el, ps...)
		}
		return "A" + strconv.Itoa(int(x.Length)) + "[" + d.props(ps) + "]"
	case *Date:
		return "D" + dNum(x.Ms)
	case *RegExp:
		src := dStr(x.Source)
		if x.raw != nil {
			src = dUnits(x.raw)
		}
		return "R" + src + "/" + x.FlagString()
	case *Map:
		var parts []string
		for _, e := range x.Entries {
			parts = append(parts, d.describe(e.Key)+"=>"+d.describe(e.Value))
		}
		return "M{" + strings.Join(parts, ",") + "}"
	case *Set:
		var parts []string
		for _, e := range x.Values {
			parts = append(parts, d.describe(e))
		}
		return "S{" + strings.Join(parts, ",") + "}"
	case *ArrayBuffer:
		return "B" + fmt.Sprintf("%x", x.Bytes)
	case *TypedArray:
		return "V" + x.Type.String() + ":" + fmt.Sprintf("%x", x.Bytes)
	case *Error:
		name := x.Name
		if name == "" {
			name = "Error"
		}
		s := "E" + name + "("
		if x.HasMessage {
			if x.rawMessage != nil {
				s += "m=" + dUnits(x.rawMessage)
			} else {
				s += "m=" + dStr(x.Message)
			}
		}
		s += ","
		if x.HasStack {
			if x.rawStack != nil {
				s += "s=" + dUnits(x.rawStack)
			} else {
				s += "s=" + dStr(x.Stack)
			}
		}
		s += ","
		if x.HasCause {
			s += "c=" + d.describe(x.Cause)
		}
		return s + ")"
	case *Boxed:
		return "X" + d.describe(x.Value)
	}
	return fmt.Sprintf("?%T", v)
}

func describe(v any) string {
	d := describer{seen: map[any]int{}}
	return d.describe(v)
}
