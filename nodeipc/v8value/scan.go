package v8value

import (
	"errors"
	"math"
	"unicode/utf8"
	"unsafe"
)

// Validate reports whether Decode would accept data, without building any
// value: it walks the payload once and keeps only what the checks need (a
// bit per object id, the keys of the objects being read, and the nesting),
// so its memory is a small fraction of the payload. It returns the error
// Decode would return, up to the offset and reason.
func Validate(data []byte) error {
	var d Decoder
	_, err := d.Scan(data)
	return err
}

// Fields is what Scan learned about a payload's top-level value: whether
// it is a plain object and, if so, where the values of the requested
// top-level properties are. It refers to the scanned payload, which must
// not change while Fields is in use.
type Fields struct {
	data    []byte
	header  int    // length of the FF <version> header
	version uint64 // the header's format version
	object  bool
	found   []field
}

type field struct {
	key        string
	start, end int // the value's bytes
	base       int // ids allocated before the value
}

// Scan validates data as Validate does and returns the top-level
// properties whose keys are listed in keys (when the top-level value is an
// object). Reading those properties costs time and memory in proportion to
// their own size, not the payload's.
func (d *Decoder) Scan(data []byte, keys ...string) (*Fields, error) {
	max := d.MaxDepth
	if max <= 0 {
		max = DefaultMaxDepth
	}
	s := scanner{reader: reader{data: data, maxDepth: max}, want: keys}
	if err := s.readHeader(); err != nil {
		return nil, err
	}
	f := &Fields{data: data, header: s.pos, version: s.version}
	s.out = f
	if _, err := s.value(); err != nil {
		return nil, err
	}
	if s.pos != len(s.data) {
		return nil, s.fail(ErrTrailingData, "bytes after the top-level value")
	}
	return f, nil
}

// Object reports whether the top-level value is a plain object.
func (f *Fields) Object() bool { return f.object }

// Value decodes one requested top-level property that holds a primitive
// (a string, number, boolean, BigInt, null or undefined). It returns false
// when the property is absent or holds an object (use Payload).
func (f *Fields) Value(key string) (any, bool) {
	p, ok := f.lookup(key)
	if !ok {
		return nil, false
	}
	r := reader{data: f.data[:p.end], pos: p.start, maxDepth: DefaultMaxDepth, version: f.version}
	v, err := r.readValue()
	if err != nil || !isPrimitive(v) {
		return nil, false
	}
	return v, true
}

// ErrExternalReference is returned by (*Fields).Payload for a value that
// refers to objects outside itself.
var ErrExternalReference = errors.New("v8value: value refers to objects outside it")

// Payload returns one requested top-level property as a payload of its own
// (the original header, then the value's bytes with back-references
// renumbered), which decodes to what the property holds. It returns nil
// when the property is absent, and ErrExternalReference when the value
// refers to an object outside itself.
func (f *Fields) Payload(key string) ([]byte, error) {
	p, ok := f.lookup(key)
	if !ok {
		return nil, nil
	}
	s := scanner{reader: reader{data: f.data[:p.end], pos: p.start, maxDepth: math.MaxInt, version: f.version}}
	s.nids = p.base
	s.extBase = p.base
	s.recordRefs = true
	if _, err := s.value(); err != nil {
		return nil, err
	}
	if s.external {
		return nil, ErrExternalReference
	}
	out := make([]byte, 0, f.header+p.end-p.start)
	out = append(out, f.data[:f.header]...)
	at := p.start
	for _, r := range s.refs {
		out = append(out, f.data[at:r.start]...)
		out = append(out, '^')
		out = appendVarint(out, uint64(r.id-p.base))
		at = r.end
	}
	return append(out, f.data[at:p.end]...), nil
}

func (f *Fields) lookup(key string) (field, bool) {
	for _, p := range f.found {
		if p.key == key {
			return p, true
		}
	}
	return field{}, false
}

// kind is what the scanner needs to know about a value it skipped.
type kind uint8

const (
	kindPrimitive kind = iota
	kindObject
)

// ref is a back-reference seen while recording.
type ref struct {
	start, end int // the ^ tag and its varint
	id         int
}

// scanner walks a payload with the decoder's rules without building
// values. It shares the reader's primitive readers (varints, lengths,
// doubles, tags), so limits and error cases are the decoder's.
type scanner struct {
	reader
	nids    int
	pending []uint64 // bit per id: its object is not readable yet
	keys    []string // keys of the objects being read, innermost last
	// keepKeys asks properties to leave its keys on keys (for the caller).
	keepKeys bool
	want     []string // top-level keys to record
	out      *Fields

	extBase    int // ids below it lie outside the scanned value
	external   bool
	recordRefs bool
	refs       []ref
}

func (s *scanner) alloc(pending bool) int {
	id := s.nids
	s.nids++
	if pending {
		for len(s.pending) <= id/64 {
			s.pending = append(s.pending, 0)
		}
		s.pending[id/64] |= 1 << (id % 64)
	}
	return id
}

func (s *scanner) done(id int) {
	if id/64 < len(s.pending) {
		s.pending[id/64] &^= 1 << (id % 64)
	}
}

func (s *scanner) isPending(id int) bool {
	return id/64 < len(s.pending) && s.pending[id/64]&(1<<(id%64)) != 0
}

// value skips one value and reports whether it is an object.
func (s *scanner) value() (kind, error) {
	for {
		tag, err := s.peekTag()
		if err != nil {
			return 0, err
		}
		start := s.pos
		s.pos++
		switch tag {
		case '?':
			if _, err := s.varint(); err != nil {
				return 0, err
			}
			continue
		case '_', '0', 'T', 'F':
			return kindPrimitive, nil
		case 'I':
			v, err := s.varint()
			if err != nil {
				return 0, err
			}
			if v > math.MaxUint32 {
				return 0, s.fail(ErrBadValue, "int32 out of range")
			}
			return kindPrimitive, nil
		case 'U':
			_, err := s.varint32()
			return kindPrimitive, err
		case 'N':
			_, err := s.double()
			return kindPrimitive, err
		case 'Z':
			return kindPrimitive, s.skipBigint()
		case '"', 'c', 'S':
			return kindPrimitive, s.skipString(tag)
		case '^':
			id, err := s.varint()
			if err != nil {
				return 0, err
			}
			if id >= uint64(s.nids) {
				return 0, s.fail(ErrBadReference, "reference to an unknown id")
			}
			if s.isPending(int(id)) {
				return 0, s.fail(ErrBadReference, "reference to an incomplete object")
			}
			if int(id) < s.extBase {
				s.external = true
			}
			if s.recordRefs {
				s.refs = append(s.refs, ref{start: start, end: s.pos, id: int(id)})
			}
			return kindObject, nil
		case 'o':
			return kindObject, s.object(start)
		case 'A':
			return kindObject, s.denseArray()
		case 'a':
			return kindObject, s.sparseArray()
		case 'D':
			s.alloc(false)
			_, err := s.double()
			return kindObject, err
		case 'y', 'x':
			s.alloc(false)
			return kindObject, nil
		case 'n':
			s.alloc(false)
			_, err := s.double()
			return kindObject, err
		case 'z':
			s.alloc(false)
			return kindObject, s.skipBigint()
		case 's':
			s.alloc(false)
			return kindObject, s.skipStringValue()
		case 'R':
			s.alloc(false)
			return kindObject, s.skipRegExp()
		case ';':
			return kindObject, s.mapOrSet(':', 2)
		case '\'':
			return kindObject, s.mapOrSet(',', 1)
		case 'B', 'C', '~':
			return kindObject, s.buffer(tag)
		case '\\':
			return kindObject, s.hostObject()
		case 'r':
			return kindObject, s.errorValue()
		default:
			s.pos--
			return 0, s.fail(ErrBadTag, "unexpected tag 0x"+hex2(tag))
		}
	}
}

func (s *scanner) skipBigint() error {
	bits, err := s.varint32()
	if err != nil {
		return err
	}
	n := uint64(bits >> 1)
	if n > uint64(len(s.data)-s.pos) {
		return s.fail(ErrBadLength, "BigInt longer than remaining data")
	}
	neg := bits&1 == 1
	zero := true
	for _, b := range s.raw(int(n)) {
		if b != 0 {
			zero = false
			break
		}
	}
	if neg && zero {
		return s.fail(ErrBadValue, "BigInt negative zero")
	}
	return nil
}

// skipString skips a string's payload and returns its bytes.
func (s *scanner) skipString(tag byte) error {
	_, err := s.stringBytes(tag)
	return err
}

func (s *scanner) stringBytes(tag byte) ([]byte, error) {
	n, err := s.length(1)
	if err != nil {
		return nil, err
	}
	if tag == 'c' && n&1 != 0 {
		return nil, s.fail(ErrBadLength, "odd two-byte string length")
	}
	return s.raw(n), nil
}

func (s *scanner) skipStringValue() error {
	tag, err := s.peekTag()
	if err != nil {
		return err
	}
	if tag != '"' && tag != 'c' && tag != 'S' {
		return s.fail(ErrBadValue, "expected a string")
	}
	s.pos++
	return s.skipString(tag)
}

func (s *scanner) skipRegExp() error {
	tag, err := s.peekTag()
	if err != nil {
		return err
	}
	if tag != '"' && tag != 'c' && tag != 'S' {
		return s.fail(ErrBadValue, "expected a string")
	}
	s.pos++
	b, err := s.stringBytes(tag)
	if err != nil {
		return err
	}
	flags, err := s.varint32()
	if err != nil {
		return err
	}
	return s.checkRegExp(stringText(tag, b), flags)
}

// key reads a property key and returns its JavaScript name. ASCII keys
// are returned without copying: they alias the payload.
func (s *scanner) key() (string, error) {
	for {
		tag, err := s.peekTag()
		if err != nil {
			return "", err
		}
		s.pos++
		switch tag {
		case '?':
			if _, err := s.varint(); err != nil {
				return "", err
			}
			continue
		case '"', 'c', 'S':
			b, err := s.stringBytes(tag)
			if err != nil {
				return "", err
			}
			if tag != 'c' && isASCII(b) {
				return unsafe.String(unsafe.SliceData(b), len(b)), nil
			}
			return stringText(tag, b), nil
		case 'I', 'U', 'N':
			s.pos--
			r := reader{data: s.data, pos: s.pos, version: s.version}
			v, err := r.readValue()
			s.pos = r.pos
			if err != nil {
				return "", err
			}
			n, _ := number(v)
			return formatNumber(n), nil
		}
		s.pos--
		return "", s.fail(ErrBadValue, "object key is not a string or number")
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// stringText converts a string tag's bytes to the text Decode gives it
// (UTF16String values as their String form).
func stringText(tag byte, b []byte) string {
	switch tag {
	case '"':
		return latin1ToString(b)
	case 'S':
		if utf8.Valid(b) {
			return string(b)
		}
		return string([]rune(string(b)))
	}
	switch v := twoByteValue(b).(type) {
	case string:
		return v
	case UTF16String:
		return v.String()
	}
	return ""
}

// properties skips key/value pairs until end and returns their count.
// For the top-level object (top) it records the wanted keys.
func (s *scanner) properties(end byte, top bool) (uint32, error) {
	var count uint32
	first := len(s.keys)
	keep := s.keepKeys
	s.keepKeys = false
	defer func() {
		if !keep {
			s.keys = s.keys[:first]
		}
	}()
	for {
		tag, err := s.peekTag()
		if err != nil {
			return 0, err
		}
		if tag == end {
			if keysRepeat(s.keys[first:]) {
				return 0, s.fail(ErrBadValue, "duplicate property key")
			}
			s.pos++
			return count, nil
		}
		k, err := s.key()
		if err != nil {
			return 0, err
		}
		start, base := s.pos, s.nids
		if _, err := s.value(); err != nil {
			return 0, err
		}
		if top {
			for _, w := range s.want {
				if w == k {
					s.out.found = append(s.out.found, field{key: w, start: start, end: s.pos, base: base})
				}
			}
		}
		s.keys = append(s.keys, k)
		count++
	}
}

func (s *scanner) object(start int) error {
	if err := s.enter(); err != nil {
		return err
	}
	top := s.out != nil && s.depth == 1 && s.nids == 0
	if top {
		s.out.object = true
	}
	s.alloc(false)
	n, err := s.properties('{', top)
	if err != nil {
		return err
	}
	want, err := s.varint()
	if err != nil {
		return err
	}
	if want != uint64(n) {
		return s.fail(ErrBadLength, "object property count mismatch")
	}
	s.depth--
	return nil
}

func (s *scanner) denseArray() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.alloc(false)
	n, err := s.length(1)
	if err != nil {
		return err
	}
	if uint64(n) > math.MaxUint32 {
		return s.fail(ErrBadLength, "array too long")
	}
	var holes []uint64 // bit per element index
	for i := 0; i < n; i++ {
		tag, err := s.peekTag()
		if err != nil {
			return err
		}
		if tag == '-' {
			s.pos++
			for len(holes) <= i/64 {
				holes = append(holes, 0)
			}
			holes[i/64] |= 1 << (i % 64)
			continue
		}
		if _, err := s.value(); err != nil {
			return err
		}
	}
	first := len(s.keys)
	s.keepKeys = true
	cnt, err := s.properties('$', false)
	s.keepKeys = false
	if err != nil {
		return err
	}
	for _, k := range s.keys[first:] {
		if i, ok := arrayIndex(k); ok && int64(i) < int64(n) {
			if int(i/64) >= len(holes) || holes[i/64]&(1<<(i%64)) == 0 {
				return s.fail(ErrBadValue, "array property names an element")
			}
		}
	}
	s.keys = s.keys[:first]
	s.depth--
	return s.arrayTrailer(cnt, uint32(n))
}

func (s *scanner) sparseArray() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.alloc(false)
	n, err := s.varint32()
	if err != nil {
		return err
	}
	cnt, err := s.properties('@', false)
	if err != nil {
		return err
	}
	s.depth--
	return s.arrayTrailer(cnt, n)
}

// mapOrSet skips a Map (unit 2: key and value) or a Set (unit 1).
func (s *scanner) mapOrSet(end byte, unit uint64) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.alloc(false)
	var n uint64
	for {
		tag, err := s.peekTag()
		if err != nil {
			return err
		}
		if tag == end {
			s.pos++
			break
		}
		for range unit {
			if _, err := s.value(); err != nil {
				return err
			}
		}
		n += unit
	}
	want, err := s.varint()
	if err != nil {
		return err
	}
	if want != n {
		return s.fail(ErrBadLength, "Map or Set size mismatch")
	}
	s.depth--
	return nil
}

func (s *scanner) buffer(tag byte) error {
	s.alloc(false)
	n, err := s.bufferLength()
	if err != nil {
		return err
	}
	if tag == '~' {
		max, err := s.bufferMax()
		if err != nil {
			return err
		}
		if uint64(n) > max {
			return s.fail(ErrBadLength, "resizable ArrayBuffer longer than its maximum")
		}
		if n > len(s.data)-s.pos {
			return s.fail(ErrBadLength, "length exceeds remaining data")
		}
	}
	s.raw(n)
	if s.pos < len(s.data) && s.data[s.pos] == 'V' {
		return s.fail(ErrBadTag, "ArrayBufferView tag V is not supported (Node IPC sends views as host objects)")
	}
	return nil
}

func (s *scanner) hostObject() error {
	if err := s.enter(); err != nil {
		return err
	}
	id := s.alloc(true)
	k, err := s.varint()
	if err != nil {
		return err
	}
	switch k {
	case 0:
		ti, err := s.varint()
		if err != nil {
			return err
		}
		if ti >= uint64(numViewTypes) {
			return s.fail(ErrBadValue, "invalid host object type index")
		}
		n, err := s.length(1)
		if err != nil {
			return err
		}
		s.raw(n)
	case 1:
		inner, err := s.value()
		if err != nil {
			return err
		}
		if inner != kindObject {
			return s.fail(ErrBadValue, "host object wraps a primitive")
		}
	default:
		return s.fail(ErrBadValue, "invalid host object tag")
	}
	s.done(id)
	s.depth--
	return nil
}

func (s *scanner) errorValue() error {
	if err := s.enter(); err != nil {
		return err
	}
	id := s.alloc(true)
	for {
		t, err := s.varint()
		if err != nil {
			return err
		}
		switch t {
		case 'E', 'R', 'F', 'S', 'T', 'U':
		case 'm', 's':
			if err := s.skipStringValue(); err != nil {
				return err
			}
		case 'c':
			if _, err := s.value(); err != nil {
				return err
			}
		case '.':
			s.done(id)
			s.depth--
			return nil
		default:
			return s.fail(ErrBadTag, "invalid Error sub-tag")
		}
	}
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
