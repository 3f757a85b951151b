package v8

// regexpSyntax returns why source is not a pattern V8 compiles with flags, or "".
func regexpSyntax(source string, flags uint32) string { return "" }
