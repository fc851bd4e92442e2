package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The targets of the seed domains' declarations (issue 8, item 4): at most
// 1.5 lines of Go per line of the Django models they mirror, and most
// foreign keys and one-to-ones declared on one line of at most 100 columns.
const (
	maxRatio   = 1.5
	maxColumns = 100
	tabColumns = 4
	memrelPath = "github.com/memrel-go/memrel"
)

// declFuncs are the memrel functions that declare a schema: a top-level var
// declaration that calls one of them is part of the domain's declarations.
var declFuncs = map[string]bool{
	"Fields": true, "NewTable": true, "Default": true, "DefaultFunc": true,
	"ForeignKey": true, "OneToOne": true, "ManyToMany": true, "ManyToManyThrough": true,
	"Unique": true, "UniqueTogether": true, "UniqueFunc": true, "Check": true, "CheckNullable": true,
	"NewIndex": true, "NewIndexFunc": true, "NewGroupedIndex": true, "NewGroupedIndexFunc": true,
}

// declStats is what TestDeclarations measures in one domain's file.
type declStats struct {
	django  int      // lines of the Django models quoted in the package doc
	goLines int      // non-blank, non-comment lines of the declarations
	parts   []string // what the Go lines are made of, for the log
	fks     int      // ForeignKey and OneToOne declarations
	oneLine int      // of which fit one line of at most maxColumns
	long    []string // the others, for the log
}

// TestDeclarations measures each seed domain's declarations against the
// Django models quoted in its package doc, line for line. The Go lines are
// those of the top-level var declarations that call memrel's declaration
// functions (structs excluded), plus every top-level function, variable,
// constant or type they use, directly or through each other, other than the
// tables' row types: a Defaults function, a clock, a key type of a
// composite unique.
func TestDeclarations(t *testing.T) {
	var fks, oneLine int
	for _, d := range domains {
		s := measure(t, filepath.Join("..", "..", file(d.pkg)))
		ratio := float64(s.goLines) / float64(s.django)
		t.Logf("%-13s Django %2d  Go %2d  ratio %.2f  foreign keys on one line: %d of %d",
			d.pkg, s.django, s.goLines, ratio, s.oneLine, s.fks)
		t.Logf("%-13s Go lines: %s", "", strings.Join(s.parts, ", "))
		for _, l := range s.long {
			t.Logf("%-13s not on one line of %d columns: %s", "", maxColumns, l)
		}
		if ratio > maxRatio {
			t.Errorf("%s: %d lines of declarations for %d lines of Django models: ratio %.2f, want at most %.1f",
				d.pkg, s.goLines, s.django, ratio, maxRatio)
		}
		fks += s.fks
		oneLine += s.oneLine
	}
	t.Logf("all domains: %d of %d foreign keys on one line of at most %d columns", oneLine, fks, maxColumns)
	if 2*oneLine <= fks {
		t.Errorf("%d of %d foreign keys fit one line of at most %d columns, want more than half", oneLine, fks, maxColumns)
	}
}

// measure parses a domain's file and measures its declarations.
func measure(t *testing.T, name string) declStats {
	t.Helper()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	var s declStats

	// The Django models: the code block of the package doc.
	if f.Doc != nil {
		for _, c := range f.Doc.List {
			if code, ok := strings.CutPrefix(c.Text, "//\t"); ok && strings.TrimSpace(code) != "" {
				s.django++
			}
		}
	}
	if s.django == 0 {
		t.Fatalf("%s: the package doc quotes no Django models (an indented block)", name)
	}

	// memrel's local name in the file.
	mr := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == memrelPath {
			mr = path.Base(p)
			if imp.Name != nil {
				mr = imp.Name.Name
			}
		}
	}
	if mr == "" {
		t.Fatalf("%s does not import %s", name, memrelPath)
	}
	isDecl := func(call *ast.CallExpr) (string, bool) {
		fun := call.Fun
		switch ix := fun.(type) {
		case *ast.IndexExpr: // memrel.Fields[T]
			fun = ix.X
		case *ast.IndexListExpr: // memrel.NewTable[T, K]
			fun = ix.X
		}
		sel, ok := fun.(*ast.SelectorExpr)
		if !ok {
			return "", false
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != mr || !declFuncs[sel.Sel.Name] {
			return "", false
		}
		return sel.Sel.Name, true
	}

	// Resolve identifiers with go/types. Imports are stood in for by empty
	// packages: only the file's own top-level objects matter here.
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: emptyImporter{}, Error: func(error) {}}
	pkg, _ := conf.Check(f.Name.Name, fset, []*ast.File{f}, info)

	// The top-level declaration of each package-level object.
	declOf := map[types.Object]ast.Decl{}
	for _, decl := range f.Decls {
		ast.Inspect(decl, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				if obj := info.Defs[id]; obj != nil && obj.Parent() == pkg.Scope() {
					declOf[obj] = decl
				}
			}
			_, isFunc := n.(*ast.FuncLit)
			return !isFunc
		})
	}

	// The schema: the var declarations that call a declaration function.
	// The tables' row types are the T of NewTable's key accessor func(*T) *K.
	counted := map[ast.Decl]bool{}
	rowTypes := map[types.Object]bool{}
	var queue []ast.Decl
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		schema := false
		ast.Inspect(gd, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := isDecl(call)
			if !ok {
				return true
			}
			schema = true
			if fn == "NewTable" {
				if obj := rowType(info, call); obj != nil {
					rowTypes[obj] = true
				}
			}
			if fn == "ForeignKey" || fn == "OneToOne" {
				s.fks++
				spec := enclosingSpec(gd, call)
				from, to := fset.Position(spec.Pos()).Line, fset.Position(spec.End()).Line
				if w := columns(lines[from-1]); from == to && w <= maxColumns {
					s.oneLine++
				} else {
					s.long = append(s.long, specName(spec)+" ("+plural(to-from+1, "line")+", "+
						strconv.Itoa(joinedColumns(lines[from-1:to]))+" columns on one)")
				}
			}
			return true
		})
		if schema {
			counted[gd] = true
			queue = append(queue, gd)
		}
	}
	if len(rowTypes) == 0 || s.fks == 0 {
		t.Fatalf("%s: found %d tables and %d foreign keys: the parsing missed the schema", name, len(rowTypes), s.fks)
	}

	// What the schema uses, and what that uses in turn.
	for len(queue) > 0 {
		decl := queue[0]
		queue = queue[1:]
		ast.Inspect(decl, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.Uses[id]
			if obj == nil || obj.Parent() != pkg.Scope() || rowTypes[obj] {
				return true
			}
			if d, ok := declOf[obj]; ok && !counted[d] {
				counted[d] = true
				queue = append(queue, d)
			}
			return true
		})
	}

	// Count their lines, in file order.
	for _, decl := range f.Decls {
		if !counted[decl] {
			continue
		}
		n := 0
		for l := fset.Position(decl.Pos()).Line; l <= fset.Position(decl.End()).Line; l++ {
			if code := strings.TrimSpace(lines[l-1]); code != "" && !strings.HasPrefix(code, "//") {
				n++
			}
		}
		s.goLines += n
		s.parts = append(s.parts, declName(decl)+" "+strconv.Itoa(n))
	}
	return s
}

// rowType is the row type T of a call of NewTable: its first type argument
// if given, else the parameter type of its key accessor func(*T) *K.
func rowType(info *types.Info, call *ast.CallExpr) types.Object {
	var t ast.Expr
	switch ix := call.Fun.(type) {
	case *ast.IndexExpr:
		t = ix.Index
	case *ast.IndexListExpr:
		t = ix.Indices[0]
	}
	if t == nil && len(call.Args) >= 2 {
		if lit, ok := call.Args[1].(*ast.FuncLit); ok && len(lit.Type.Params.List) == 1 {
			if star, ok := lit.Type.Params.List[0].Type.(*ast.StarExpr); ok {
				t = star.X
			}
		}
	}
	if id, ok := t.(*ast.Ident); ok {
		return info.Uses[id]
	}
	return nil
}

// enclosingSpec is the value spec of gd that holds n.
func enclosingSpec(gd *ast.GenDecl, n ast.Node) ast.Spec {
	for _, spec := range gd.Specs {
		if spec.Pos() <= n.Pos() && n.End() <= spec.End() {
			return spec
		}
	}
	return gd.Specs[0]
}

// specName names a value spec by its first name.
func specName(spec ast.Spec) string {
	if vs, ok := spec.(*ast.ValueSpec); ok && len(vs.Names) > 0 {
		return vs.Names[0].Name
	}
	return "?"
}

// declName names a top-level declaration for the log.
func declName(decl ast.Decl) string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		return "func " + d.Name.Name
	case *ast.GenDecl:
		if len(d.Specs) == 1 {
			switch s := d.Specs[0].(type) {
			case *ast.ValueSpec:
				return d.Tok.String() + " " + s.Names[0].Name
			case *ast.TypeSpec:
				return "type " + s.Name.Name
			}
		}
		return d.Tok.String() + " block"
	}
	return "?"
}

// columns is the width of a line, a tab counting as tabColumns.
func columns(line string) int {
	w := 0
	for _, r := range line {
		if r == '\t' {
			w += tabColumns - w%tabColumns
		} else {
			w++
		}
	}
	return w
}

// joinedColumns is the width of lines joined into one as gofmt would: a
// space between them unless the break follows "(", "[" or ".".
func joinedColumns(lines []string) int {
	w := columns(lines[0])
	for i, l := range lines[1:] {
		if prev := strings.TrimSpace(lines[i]); !strings.HasSuffix(prev, "(") &&
			!strings.HasSuffix(prev, "[") && !strings.HasSuffix(prev, ".") {
			w++
		}
		w += len(strings.TrimSpace(l))
	}
	return w
}

// plural is n and noun, in the plural unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// emptyImporter imports every package as an empty one: the measure needs
// only the domain's own objects, and stays independent of the build.
type emptyImporter struct{}

func (emptyImporter) Import(p string) (*types.Package, error) {
	pkg := types.NewPackage(p, path.Base(p))
	pkg.MarkComplete()
	return pkg, nil
}
