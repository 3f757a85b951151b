package nodeipc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The documentation of exported names never points at unexported ones (a
// reader of go doc cannot follow them): no camelCase identifier declared
// at the package's top level (readGate, sockTransport) appears in the doc
// comment of an exported declaration or of an exported type's field or
// method.
func TestDocsNameNoUnexported(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	camel := regexp.MustCompile(`^[a-z]+[A-Z]`)
	hidden := map[string]bool{}
	for _, f := range files {
		for name := range f.Scope.Objects {
			if !ast.IsExported(name) && camel.MatchString(name) {
				hidden[name] = true
			}
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && !ast.IsExported(fd.Name.Name) && camel.MatchString(fd.Name.Name) {
				hidden[fd.Name.Name] = true
			}
		}
	}
	word := regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	check := func(what string, doc *ast.CommentGroup) {
		if doc == nil {
			return
		}
		for _, w := range word.FindAllString(doc.Text(), -1) {
			if hidden[w] {
				t.Errorf("the doc of %s names the unexported %s", what, w)
			}
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !ast.IsExported(d.Name.Name) {
					continue
				}
				if d.Recv != nil {
					rt := d.Recv.List[0].Type
					if s, ok := rt.(*ast.StarExpr); ok {
						rt = s.X
					}
					if id, ok := rt.(*ast.Ident); !ok || !ast.IsExported(id.Name) {
						continue
					}
				}
				check(d.Name.Name, d.Doc)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !ast.IsExported(s.Name.Name) {
							continue
						}
						check(s.Name.Name, d.Doc)
						check(s.Name.Name, s.Doc)
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, fld := range st.Fields.List {
								for _, n := range fld.Names {
									if ast.IsExported(n.Name) {
										check(s.Name.Name+"."+n.Name, fld.Doc)
									}
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if ast.IsExported(n.Name) {
								check(n.Name, s.Doc)
								if len(d.Specs) == 1 {
									check(n.Name, d.Doc)
								}
							}
						}
					}
				}
			}
		}
	}
}
