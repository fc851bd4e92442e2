package memrel_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// exported lists the exported functions, types and methods (as "Type.Method")
// declared in the non-test files of the package in dir.
func exported(t *testing.T, dir string) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					if d.Recv == nil {
						names[d.Name.Name] = true
						continue
					}
					typ := d.Recv.List[0].Type
					if s, ok := typ.(*ast.StarExpr); ok {
						typ = s.X
					}
					switch x := typ.(type) {
					case *ast.IndexExpr:
						typ = x.X
					case *ast.IndexListExpr:
						typ = x.X
					}
					names[typ.(*ast.Ident).Name+"."+d.Name.Name] = true
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							names[s.Name.Name] = true
						case *ast.ValueSpec:
							for _, n := range s.Names {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return names
}

// The root package's doc is the map of the API: each of its doc links
// resolves, and it links every method a user calls on the handles.
func TestPackageDocLinksEveryOperation(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]map[string]bool{"": exported(t, "."), "store": exported(t, "store"), "relations": exported(t, "relations")}
	linked := map[string]bool{}
	for _, m := range regexp.MustCompile(`\[(\w+(?:\.\w+){0,2})\]`).FindAllStringSubmatch(string(src), -1) {
		ref := m[1]
		pkg, name := "", ref
		if i := strings.Index(ref, "."); i >= 0 && pkgs[ref[:i]] != nil {
			pkg, name = ref[:i], ref[i+1:]
		}
		if pkg == "" && pkgs[name] != nil {
			continue // a link to a package
		}
		if !pkgs[pkg][name] {
			t.Errorf("doc link [%s] resolves to nothing", ref)
		}
		linked[pkg+"."+name] = true
	}
	// Methods users need that the map must link; the rest (names, String,
	// Error, descriptions of the schema) are found from the types.
	skip := map[string]bool{
		"Name": true, "String": true, "Error": true, "Unwrap": true, "IndexDef": true, "Info": true,
		"Key": true, "KeyField": true, "RelatedName": true, "OnDelete": true, "LinkTable": true,
		"IsWrite": true, "DB": true, "Dump": true, "Tables": true, "Total": true,
		"Append": true, "Err": true, "Nullable": true, "Type": true,
	}
	for pkg, types := range map[string][]string{
		"store":     {"Table", "Tx", "DB", "Index", "GroupedIndex"},
		"relations": {"FK", "OneToOneFK", "M2M", "M2MSide", "UniqueConstraint"},
	} {
		for _, typ := range types {
			for name := range pkgs[pkg] {
				method, ok := strings.CutPrefix(name, typ+".")
				if !ok || skip[method] {
					continue
				}
				if typ == "GroupedIndex" || typ == "OneToOneFK" {
					// Their siblings of Index and FK are linked once.
					if pkgs[pkg]["Index."+method] || pkgs[pkg]["FK."+method] {
						continue
					}
				}
				if strings.Contains(method, "Range") || strings.Contains(method, "From") {
					continue // "and the other range methods"
				}
				if !linked[pkg+"."+name] {
					t.Errorf("the package doc does not link [%s.%s]", pkg, name)
				}
			}
		}
	}
}
