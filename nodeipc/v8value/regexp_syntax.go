package v8value

import (
	"strings"
	"unicode"
)

// regexpSyntax returns why V8 would refuse to compile source with flags,
// or "" when it compiles. It follows the ECMAScript pattern grammar with
// V8's Annex B extensions when neither u nor v is set, and accepts the
// syntax the newest supported Node accepts (duplicate group names in
// different alternatives, modifier groups (?i:…)). Two things are checked
// loosely: Unicode property names in \p{…} are matched against the
// property names ECMAScript defines, but property values (Script=…) are
// not, and class set syntax of the v flag is only checked for nesting and
// escapes.
func regexpSyntax(source string, flags uint32) string {
	p := reParser{s: []rune(source), u: flags&(FlagUnicode|FlagUnicodeSets) != 0, v: flags&FlagUnicodeSets != 0}
	p.prescan()
	if msg := p.disjunction(0); msg != "" {
		return msg
	}
	if p.i < len(p.s) {
		return "Unmatched ')'"
	}
	for _, r := range p.refs {
		if _, ok := p.names[r]; !ok {
			return "Invalid named capture referenced"
		}
	}
	return ""
}

type reParser struct {
	s        []rune
	i        int
	u, v     bool
	captures int  // capturing groups in the whole pattern
	hasNamed bool // the pattern has a named group (\k is then a reference)
	names    map[string][][]alt
	refs     []string
	path     []alt // the alternatives the parser is in, outermost first
	disjs    int
}

// alt is one alternative of one disjunction.
type alt struct{ disj, index int }

// prescan counts capturing groups and looks for named ones, as V8 does
// before parsing.
func (p *reParser) prescan() {
	inClass := false
	for i := 0; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '\\':
			i++
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '(' && !inClass:
			if i+1 < len(p.s) && p.s[i+1] == '?' {
				if i+3 < len(p.s) && p.s[i+2] == '<' && p.s[i+3] != '=' && p.s[i+3] != '!' {
					p.captures++
					p.hasNamed = true
				}
				continue
			}
			p.captures++
		}
	}
}

func (p *reParser) peek() rune {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return -1
}

func (p *reParser) disjunction(depth int) string {
	p.disjs++
	d := p.disjs
	p.path = append(p.path, alt{d, 0})
	defer func() { p.path = p.path[:len(p.path)-1] }()
	for {
		if msg := p.alternative(depth); msg != "" {
			return msg
		}
		if p.peek() != '|' {
			return ""
		}
		p.i++
		p.path[len(p.path)-1].index++
	}
}

func (p *reParser) alternative(depth int) string {
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '|' || c == ')' && depth > 0 {
			return ""
		}
		quantifiable := true
		switch c {
		case ')':
			return "Unmatched ')'"
		case '^', '$':
			p.i++
			quantifiable = false
		case '*', '+', '?':
			return "Nothing to repeat"
		case '{':
			if p.u {
				if p.quantifierAt(p.i) > 0 {
					return "Nothing to repeat"
				}
				return "Lone quantifier brackets"
			}
			if p.quantifierAt(p.i) > 0 {
				return "Nothing to repeat"
			}
			p.i++
		case '}', ']':
			if p.u {
				return "Lone quantifier brackets"
			}
			p.i++
		case '\\':
			if p.i+1 >= len(p.s) {
				return "\\ at end of pattern"
			}
			if n := p.s[p.i+1]; n == 'b' || n == 'B' {
				p.i += 2
				quantifiable = false
				break
			}
			p.i++
			if _, msg := p.atomEscape(); msg != "" {
				return msg
			}
		case '[':
			if msg := p.class(); msg != "" {
				return msg
			}
		case '(':
			q, msg := p.group(depth)
			if msg != "" {
				return msg
			}
			quantifiable = q
		default:
			p.i++
		}
		if msg := p.quantifier(quantifiable); msg != "" {
			return msg
		}
	}
	return ""
}

// quantifierAt returns the length of a {n}, {n,} or {n,m} quantifier at
// i, or 0; -1 reports numbers out of order.
func (p *reParser) quantifierAt(i int) int {
	start := i
	i++
	digits := func() (int, bool) {
		n, any := 0, false
		for i < len(p.s) && p.s[i] >= '0' && p.s[i] <= '9' {
			if n < 1<<30 {
				n = n*10 + int(p.s[i]-'0')
			}
			i++
			any = true
		}
		return n, any
	}
	lo, ok := digits()
	if !ok {
		return 0
	}
	hi := lo
	if i < len(p.s) && p.s[i] == ',' {
		i++
		var has bool
		hi, has = digits()
		if !has {
			hi = 1 << 30
		}
	}
	if i >= len(p.s) || p.s[i] != '}' {
		return 0
	}
	if hi < lo {
		return -1
	}
	return i + 1 - start
}

func (p *reParser) quantifier(quantifiable bool) string {
	c := p.peek()
	switch c {
	case '*', '+', '?':
		p.i++
	case '{':
		n := p.quantifierAt(p.i)
		if n < 0 {
			return "numbers out of order in {} quantifier"
		}
		if n == 0 {
			if p.u {
				return "Incomplete quantifier"
			}
			return ""
		}
		p.i += n
	default:
		return ""
	}
	if !quantifiable {
		return "Nothing to repeat"
	}
	if p.peek() == '?' {
		p.i++
	}
	return ""
}

// group parses a group at '(' and reports whether a quantifier may follow.
func (p *reParser) group(depth int) (bool, string) {
	p.i++
	quantifiable := true
	if p.peek() == '?' {
		p.i++
		switch c := p.peek(); {
		case c == ':':
			p.i++
		case c == '=' || c == '!':
			p.i++
			quantifiable = !p.u
		case c == '<' && p.i+1 < len(p.s) && (p.s[p.i+1] == '=' || p.s[p.i+1] == '!'):
			p.i += 2
			quantifiable = false
		case c == '<':
			p.i++
			name, msg := p.groupName()
			if msg != "" {
				return false, msg
			}
			if p.names == nil {
				p.names = map[string][][]alt{}
			}
			here := append([]alt(nil), p.path...)
			for _, other := range p.names[name] {
				if !exclusive(here, other) {
					return false, "Duplicate capture group name"
				}
			}
			p.names[name] = append(p.names[name], here)
		default:
			if msg := p.modifiers(); msg != "" {
				return false, msg
			}
		}
	}
	if msg := p.disjunction(depth + 1); msg != "" {
		return false, msg
	}
	if p.peek() != ')' {
		return false, "Unterminated group"
	}
	p.i++
	if !quantifiable && (p.peek() == '*' || p.peek() == '+' || p.peek() == '?' || p.peek() == '{' && p.quantifierAt(p.i) != 0) {
		return false, "Invalid quantifier"
	}
	return true, ""
}

// exclusive reports whether two groups lie in different alternatives of a
// disjunction that contains both.
func exclusive(a, b []alt) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k].disj != b[k].disj {
			return false
		}
		if a[k].index != b[k].index {
			return true
		}
	}
	return false
}

// modifiers parses (?ims-ims: after the '?'.
func (p *reParser) modifiers() string {
	seen := map[rune]bool{}
	dash := false
	n := 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == 'i' || c == 'm' || c == 's':
			if seen[c] {
				return "Repeated flag in flag group"
			}
			seen[c] = true
			n++
		case c == '-' && !dash:
			dash = true
		case c == ':':
			if dash && n == 0 {
				return "Invalid flag group"
			}
			p.i++
			return ""
		default:
			return "Invalid group"
		}
		p.i++
	}
	return "Invalid group"
}

// groupName parses a capture group name up to and including '>'.
func (p *reParser) groupName() (string, string) {
	var b strings.Builder
	for first := true; ; first = false {
		if p.i >= len(p.s) {
			return "", "Invalid capture group name"
		}
		c := p.s[p.i]
		p.i++
		if c == '>' && !first {
			return b.String(), ""
		}
		if c == '\\' {
			if p.peek() != 'u' {
				return "", "Invalid capture group name"
			}
			p.i++
			r, ok := p.unicodeEscape(true)
			if !ok {
				return "", "Invalid Unicode escape sequence"
			}
			c = r
		}
		if !(c == '$' || c == '_' || unicode.IsLetter(c) || unicode.Is(unicode.Other_ID_Start, c) || unicode.Is(unicode.Nl, c) ||
			!first && (unicode.IsDigit(c) || unicode.In(c, unicode.Mn, unicode.Mc, unicode.Pc) || c == 0x200C || c == 0x200D)) {
			return "", "Invalid capture group name"
		}
		b.WriteRune(c)
	}
}

func isHex(c rune) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c rune) rune {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// unicodeEscape reads what follows \u: four hex digits, or {hex} when
// braces are allowed.
func (p *reParser) unicodeEscape(braces bool) (rune, bool) {
	if braces && p.peek() == '{' {
		p.i++
		var v rune
		n := 0
		for p.i < len(p.s) && isHex(p.s[p.i]) {
			v = v*16 + hexVal(p.s[p.i])
			if v > 0x10FFFF {
				return 0, false
			}
			p.i++
			n++
		}
		if n == 0 || p.peek() != '}' {
			return 0, false
		}
		p.i++
		return v, true
	}
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var v rune
	for _, c := range p.s[p.i : p.i+4] {
		if !isHex(c) {
			return 0, false
		}
		v = v*16 + hexVal(c)
	}
	p.i += 4
	// A surrogate pair written as two escapes is one code point.
	if p.u && v >= 0xD800 && v < 0xDC00 && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
		save := p.i
		p.i += 2
		if lo, ok := p.unicodeEscape(false); ok && lo >= 0xDC00 && lo < 0xE000 {
			return 0x10000 + (v-0xD800)<<10 + (lo - 0xDC00), true
		}
		p.i = save
	}
	return v, true
}

// atomEscape parses an escape after '\' (outside a class). It returns the
// character it stands for, or -1 for a class of characters.
func (p *reParser) atomEscape() (rune, string) {
	c := p.s[p.i]
	switch {
	case c >= '1' && c <= '9':
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			if n < 1<<20 {
				n = n*10 + int(p.s[p.i]-'0')
			}
			p.i++
		}
		if p.u && n > p.captures {
			return 0, "Invalid escape"
		}
		return -1, ""
	case c == 'k':
		p.i++
		if !p.u && !p.hasNamed {
			return 'k', ""
		}
		if p.peek() != '<' {
			return 0, "Invalid named reference"
		}
		p.i++
		name, msg := p.groupName()
		if msg != "" {
			return 0, "Invalid named reference"
		}
		p.refs = append(p.refs, name)
		return -1, ""
	}
	return p.characterEscape(false)
}

// characterEscape parses the escapes shared by atoms and classes.
func (p *reParser) characterEscape(inClass bool) (rune, string) {
	c := p.s[p.i]
	p.i++
	switch c {
	case 'd', 'D', 'w', 'W', 's', 'S':
		return -1, ""
	case 'f':
		return '\f', ""
	case 'n':
		return '\n', ""
	case 'r':
		return '\r', ""
	case 't':
		return '\t', ""
	case 'v':
		return '\v', ""
	case '0':
		if p.u && p.peek() >= '0' && p.peek() <= '9' {
			return 0, "Invalid decimal escape"
		}
		return 0, ""
	case 'c':
		if l := p.peek(); l >= 'a' && l <= 'z' || l >= 'A' && l <= 'Z' {
			p.i++
			return l % 32, ""
		}
		if inClass && !p.u {
			if l := p.peek(); l >= '0' && l <= '9' || l == '_' {
				p.i++
				return l % 32, ""
			}
		}
		if p.u {
			return 0, "Invalid Unicode escape"
		}
		p.i--
		return '\\', ""
	case 'x':
		if p.i+2 <= len(p.s) && isHex(p.s[p.i]) && isHex(p.s[p.i+1]) {
			p.i += 2
			return hexVal(p.s[p.i-2])*16 + hexVal(p.s[p.i-1]), ""
		}
		if p.u {
			return 0, "Invalid escape"
		}
		return 'x', ""
	case 'u':
		save := p.i
		if r, ok := p.unicodeEscape(p.u); ok {
			return r, ""
		}
		if p.u {
			return 0, "Invalid Unicode escape"
		}
		p.i = save
		return 'u', ""
	case 'p', 'P':
		if !p.u {
			return c, ""
		}
		if p.peek() != '{' {
			return 0, "Invalid property name"
		}
		end := p.i + 1
		for end < len(p.s) && p.s[end] != '}' {
			end++
		}
		if end >= len(p.s) || !validProperty(string(p.s[p.i+1:end]), p.v && c == 'p') {
			return 0, "Invalid property name"
		}
		p.i = end + 1
		return -1, ""
	}
	if c >= '1' && c <= '9' && inClass {
		if p.u {
			return 0, "Invalid class escape"
		}
		return c, ""
	}
	if p.u && !strings.ContainsRune(`^$\.*+?()[]{}|/`, c) && !(inClass && c == '-') {
		if p.v && inClass && strings.ContainsRune("&-!#%,:;<=>@`~", c) {
			return c, ""
		}
		if p.v && inClass && c == 'q' && p.peek() == '{' {
			for p.i < len(p.s) && p.s[p.i] != '}' {
				p.i++
			}
			if p.i >= len(p.s) {
				return 0, "Invalid escape"
			}
			p.i++
			return -1, ""
		}
		return 0, "Invalid escape"
	}
	return c, ""
}

// class parses a character class at '['.
func (p *reParser) class() string {
	p.i++
	if p.v {
		return p.classSet()
	}
	if p.peek() == '^' {
		p.i++
	}
	for {
		if p.i >= len(p.s) {
			return "Unterminated character class"
		}
		if p.s[p.i] == ']' {
			p.i++
			return ""
		}
		lo, msg := p.classAtom()
		if msg != "" {
			return msg
		}
		if p.peek() == '-' && p.i+1 < len(p.s) && p.s[p.i+1] != ']' {
			p.i++
			hi, msg := p.classAtom()
			if msg != "" {
				return msg
			}
			if lo < 0 || hi < 0 {
				if p.u {
					return "Invalid character class"
				}
				continue
			}
			if lo > hi {
				return "Range out of order in character class"
			}
		}
	}
}

func (p *reParser) classAtom() (rune, string) {
	c := p.s[p.i]
	if c != '\\' {
		p.i++
		return c, ""
	}
	p.i++
	if p.i >= len(p.s) {
		return 0, "\\ at end of pattern"
	}
	switch p.s[p.i] {
	case 'b':
		p.i++
		return '\b', ""
	case '-':
		p.i++
		return '-', ""
	}
	return p.characterEscape(true)
}

// classSet checks a v-flag class: nesting, escapes, the && and --
// operators, ranges, and the characters that must be escaped.
func (p *reParser) classSet() string {
	if p.peek() == '^' {
		p.i++
	}
	for {
		if p.i >= len(p.s) {
			return "Unterminated character class"
		}
		c := p.s[p.i]
		next := rune(-1)
		if p.i+1 < len(p.s) {
			next = p.s[p.i+1]
		}
		var lo rune
		switch {
		case c == ']':
			p.i++
			return ""
		case c == '[':
			p.i++
			if msg := p.classSet(); msg != "" {
				return msg
			}
			continue
		case (c == '&' || c == '-') && next == c:
			p.i += 2
			continue
		case strings.ContainsRune("(){}/|-", c):
			return "Invalid character in character class"
		case c == '\\':
			var msg string
			if lo, msg = p.classAtom(); msg != "" {
				return msg
			}
		default:
			p.i++
			lo = c
		}
		if p.peek() != '-' || p.i+1 >= len(p.s) || p.s[p.i+1] == '-' {
			continue
		}
		p.i++
		var hi rune
		switch c := p.peek(); {
		case c == '[':
			return "Invalid character class"
		case c == '\\':
			var msg string
			if hi, msg = p.classAtom(); msg != "" {
				return msg
			}
		case c < 0 || strings.ContainsRune("(){}/|-]", c):
			return "Invalid character in character class"
		default:
			p.i++
			hi = c
		}
		if lo < 0 || hi < 0 {
			return "Invalid character class"
		}
		if lo > hi {
			return "Range out of order in character class"
		}
	}
}

// validProperty reports whether name (the text between \p{ and }) names
// a property ECMAScript defines; values of Script and Script_Extensions
// are not checked. Properties of strings are valid only with the v flag
// and \p.
func validProperty(name string, ofStrings bool) bool {
	if k, v, ok := strings.Cut(name, "="); ok {
		switch k {
		case "General_Category", "gc":
			return inList(generalCategories, v)
		case "Script", "sc", "Script_Extensions", "scx":
			return v != "" && strings.IndexFunc(v, func(r rune) bool { return !(r == '_' || r < 0x80 && unicode.IsLetter(r) || unicode.IsDigit(r)) }) < 0
		}
		return false
	}
	if inList(generalCategories, name) || inList(binaryProperties, name) {
		return true
	}
	return ofStrings && inList(stringProperties, name)
}

// inList reports whether name is one of the space-separated names.
func inList(list, name string) bool {
	for _, n := range strings.Fields(list) {
		if n == name {
			return true
		}
	}
	return false
}

const generalCategories = (`C Other Cc Control cntrl Cf Format Cn Unassigned Co Private_Use Cs Surrogate
L Letter LC Cased_Letter Ll Lowercase_Letter Lm Modifier_Letter Lo Other_Letter Lt Titlecase_Letter
Lu Uppercase_Letter M Mark Combining_Mark Mc Spacing_Mark Me Enclosing_Mark Mn Nonspacing_Mark
N Number Nd Decimal_Number digit Nl Letter_Number No Other_Number P Punctuation punct Pc Connector_Punctuation
Pd Dash_Punctuation Pe Close_Punctuation Pf Final_Punctuation Pi Initial_Punctuation Po Other_Punctuation
Ps Open_Punctuation S Symbol Sc Currency_Symbol Sk Modifier_Symbol Sm Math_Symbol So Other_Symbol
Z Separator Zl Line_Separator Zp Paragraph_Separator Zs Space_Separator`)

const binaryProperties = (`ASCII ASCII_Hex_Digit AHex Alphabetic Alpha Any Assigned Bidi_Control Bidi_C
Bidi_Mirrored Bidi_M Case_Ignorable CI Cased Changes_When_Casefolded CWCF Changes_When_Casemapped CWCM
Changes_When_Lowercased CWL Changes_When_NFKC_Casefolded CWKCF Changes_When_Titlecased CWT
Changes_When_Uppercased CWU Dash Default_Ignorable_Code_Point DI Deprecated Dep Diacritic Dia Emoji
Emoji_Component EComp Emoji_Modifier EMod Emoji_Modifier_Base EBase Emoji_Presentation EPres
Extended_Pictographic ExtPict Extender Ext Grapheme_Base Gr_Base Grapheme_Extend Gr_Ext Hex_Digit Hex
IDS_Binary_Operator IDSB IDS_Trinary_Operator IDST ID_Continue IDC ID_Start IDS Ideographic Ideo
Join_Control Join_C Logical_Order_Exception LOE Lowercase Lower Math Noncharacter_Code_Point NChar
Pattern_Syntax Pat_Syn Pattern_White_Space Pat_WS Quotation_Mark QMark Radical Regional_Indicator RI
Sentence_Terminal STerm Soft_Dotted SD Terminal_Punctuation Term Unified_Ideograph UIdeo Uppercase Upper
Variation_Selector VS White_Space space XID_Continue XIDC XID_Start XIDS`)

const stringProperties = (`Basic_Emoji Emoji_Keycap_Sequence RGI_Emoji_Modifier_Sequence RGI_Emoji_Flag_Sequence
RGI_Emoji_Tag_Sequence RGI_Emoji_ZWJ_Sequence RGI_Emoji`)
