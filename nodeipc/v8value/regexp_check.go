package v8value

// checkRegExp applies V8's checks on a deserialized RegExp: only known
// flag bits, not the linear-engine flag (it needs a V8 option Node does not
// set), not u and v together, and a source that compiles.
func (r *reader) checkRegExp(source string, flags uint32) error {
	if flags&^regexpFlagMask != 0 || flags&FlagLinear != 0 {
		return r.fail(ErrBadValue, "invalid RegExp flags")
	}
	if flags&FlagUnicode != 0 && flags&FlagUnicodeSets != 0 {
		return r.fail(ErrBadValue, "RegExp flags u and v together")
	}
	if msg := regexpSyntax(source, flags); msg != "" {
		return r.fail(ErrBadValue, "invalid RegExp source: "+msg)
	}
	return nil
}
