package relations

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/memrel-go/memrel/store"
)

// This file draws a DB's schema: as a Mermaid erDiagram and as a Graphviz
// DOT graph, from the declarations the DB was opened with. The output
// depends on the schema only, and is the same for the same schema: tables
// in the schema's order (automatic link tables after the tables given),
// fields in the row type's order, relations and constraints in
// declaration order.

// diagram is the schema as the drawings see it.
type diagram struct {
	tables []dTable
	fks    []*fkDef
	m2ms   []*m2mDef
}

type dTable struct {
	name    string
	info    *store.TableInfo
	cols    []dCol
	uniques []*uniqueDef // declared constraints, one-to-one relations excluded
	checks  []*checkDef
	hidden  []string // unexported fields: no column (the SQL export reports them)
}

type dCol struct {
	name, typ string
	null      bool
	pk        bool
	fk        *fkDef // the relation whose key field it is, if any
	uk        string // the unique constraint on this field alone, if any

	goType reflect.Type // the field's type
	index  []int        // the field's index path in the row type
	off    uintptr      // the field's offset in the row
}

// schemaOf returns the drawable schema of db, or an error wrapping
// ErrSchema if db was not opened with the relations layer. A table's
// columns are its row type's exported fields, those of embedded structs
// included (an embedded time.Time, store.Null or non-struct type is a
// field of its own).
func schemaOf(db *store.DB) (*diagram, error) {
	rt, ok := eng.HooksOf(db).(*runtime)
	if !ok {
		return nil, fmt.Errorf("memrel: the DB was not opened with memrel.Open (it has no relations layer): %w", store.ErrSchema)
	}
	d := &diagram{m2ms: rt.m2ms}
	for _, f := range rt.fkList {
		if f.child != nil && f.parent != nil {
			d.fks = append(d.fks, f)
		}
	}
	for _, t := range db.Tables() {
		tr := rt.tables[t]
		dt := dTable{name: t.Name(), info: t}
		typ := t.RowType()
		row := reflect.New(typ)
		keyPtr := reflect.ValueOf(eng.KeyPtr(t, row.Interface()))
		keyOff, keyType := keyPtr.Pointer()-row.Pointer(), keyPtr.Type().Elem()
		for _, f := range reflect.VisibleFields(typ) {
			off, inField := fieldOffset(typ, f.Index)
			if inField || embeds(f) {
				continue // a part of a field, or an embedded struct whose fields follow
			}
			if !f.IsExported() {
				dt.hidden = append(dt.hidden, f.Name)
				continue
			}
			c := dCol{name: f.Name, pk: off == keyOff && f.Type == keyType, goType: f.Type, index: f.Index, off: off}
			c.typ, c.null = typeName(f.Type)
			if tr != nil {
				for _, r := range tr.out {
					if r.off == off && r.ftype == f.Type {
						c.fk = r
						break
					}
				}
				for _, u := range tr.uniques {
					if u.fk == nil && !u.partial && len(u.fields) == 1 && len(u.offs) == 1 &&
						u.offs[0] == off && u.ftypes[0] == f.Type {
						c.uk = u.name
						break
					}
				}
			}
			dt.cols = append(dt.cols, c)
		}
		if tr != nil {
			for _, u := range tr.uniques {
				if u.fk == nil {
					dt.uniques = append(dt.uniques, u)
				}
			}
			dt.checks = tr.checks
		}
		d.tables = append(d.tables, dt)
	}
	return d, nil
}

// embeds tells whether f is an embedded struct whose fields are promoted
// to columns (not a time.Time or a store.Null, which are values).
func embeds(f reflect.StructField) bool {
	return f.Anonymous && f.Type.Kind() == reflect.Struct && f.Type != timeType && !isNull(f.Type)
}

// fieldOffset returns the offset in typ of the field at index, and true
// when the field is part of another field (inside a field that is not an
// embedded struct, such as the fields of an embedded pointer).
func fieldOffset(typ reflect.Type, index []int) (off uintptr, inField bool) {
	for i, x := range index {
		f := typ.Field(x)
		off += f.Offset
		if i < len(index)-1 && !embeds(f) {
			return off, true
		}
		typ = f.Type
	}
	return off, false
}

// isNull tells whether t is a store.Null type.
func isNull(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == reflect.TypeFor[store.Null[int]]().PkgPath() &&
		strings.HasPrefix(t.Name(), "Null[")
}

var timeType = reflect.TypeFor[time.Time]()

// typeName maps a field's Go type to a readable type name, and tells
// whether the field is nullable (a store.Null or a pointer).
func typeName(t reflect.Type) (name string, null bool) {
	if isNull(t) {
		name, _ = typeName(t.Field(0).Type)
		return name, true
	}
	if t.Kind() == reflect.Pointer {
		name, _ = typeName(t.Elem())
		return name, true
	}
	switch {
	case t == timeType:
		return "time", false
	case t == reflect.TypeFor[time.Duration]():
		return "duration", false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "int", false
	case reflect.Float32, reflect.Float64:
		return "float", false
	case reflect.Bool:
		return "bool", false
	case reflect.String:
		return "string", false
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytes", false
		}
		return "list", false
	case reflect.Array:
		return "array", false
	case reflect.Map:
		return "map", false
	case reflect.Struct:
		return "struct", false
	}
	return strings.ToLower(t.Kind().String()), false
}

// uniqueNote lists a unique constraint's fields, when declared on fields,
// and says whether it is partial (declared with Where).
func uniqueNote(u *uniqueDef) string {
	note := strings.Join(u.fields, ", ")
	if u.partial {
		if note != "" {
			note += "; "
		}
		note += "partial"
	}
	return note
}

// m2mNote names a many-to-many relation and its link table.
func m2mNote(m *m2mDef) string {
	note := m.field + " via " + m.link.Name()
	if m.symmetrical {
		note += ", symmetrical"
	}
	return note
}

// rule is how a diagram names an on-delete rule: as Django spells it.
func rule(f *fkDef) string {
	switch f.action {
	case Cascade:
		return "CASCADE"
	case Protect:
		return "PROTECT"
	case Restrict:
		return "RESTRICT"
	case SetNull:
		return "SET_NULL"
	case SetDefault:
		return "SET_DEFAULT"
	case Set:
		return "SET"
	case DoNothing:
		return "DO_NOTHING"
	}
	return f.action.String()
}

// ident makes s a Mermaid entity or attribute name: letters, digits, '_'
// and '-'; anything else becomes '_'.
func mermaidIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// mermaidText makes s fit in a Mermaid quoted string.
func mermaidText(s string) string { return strings.ReplaceAll(s, `"`, "'") }

// Mermaid writes the schema of db as a Mermaid erDiagram (which GitHub
// renders in a mermaid code block): each table with its fields (the key
// marked PK, a foreign key's field FK, a field with a unique constraint of
// its own (not partial) or a one-to-one key UK; readable types: int, float, string, bool, time, ...;
// nullable fields say "null"), then its unique and check constraints by
// name as rows of kind "unique" and "check"; each foreign key as a
// relationship from the parent to the child, named after the relation
// with its on-delete rule (one-to-one relations drawn as such, a nullable
// key as zero-or-one); each many-to-many relation as a dotted
// many-to-many relationship that names its link table, which is drawn
// too. The output is deterministic.
//
// Possible errors: ErrSchema (a DB opened without the relations layer)
// and w's.
func Mermaid(w io.Writer, db *store.DB) error {
	d, err := schemaOf(db)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("erDiagram\n")
	for _, t := range d.tables {
		fmt.Fprintf(&b, "    %s {\n", mermaidIdent(t.name))
		for _, c := range t.cols {
			var keys, notes []string
			if c.pk {
				keys = append(keys, "PK")
			}
			if c.fk != nil {
				keys = append(keys, "FK")
				notes = append(notes, fmt.Sprintf("%s %s", c.fk.parent.Name(), rule(c.fk)))
			}
			if c.uk != "" || c.fk != nil && c.fk.unique {
				keys = append(keys, "UK")
			}
			if c.uk != "" {
				notes = append(notes, c.uk)
			}
			if c.null {
				notes = append(notes, "null")
			}
			fmt.Fprintf(&b, "        %s %s", c.typ, mermaidIdent(c.name))
			if len(keys) > 0 {
				fmt.Fprintf(&b, " %s", strings.Join(keys, ", "))
			}
			if len(notes) > 0 {
				fmt.Fprintf(&b, ` "%s"`, mermaidText(strings.Join(notes, ", ")))
			}
			b.WriteByte('\n')
		}
		for _, u := range t.uniques {
			fmt.Fprintf(&b, "        unique %s", mermaidIdent(u.name))
			if note := uniqueNote(u); note != "" {
				fmt.Fprintf(&b, ` "%s"`, mermaidText(note))
			}
			b.WriteByte('\n')
		}
		for _, c := range t.checks {
			fmt.Fprintf(&b, "        check %s\n", mermaidIdent(c.name))
		}
		b.WriteString("    }\n")
	}
	for _, f := range d.fks {
		parent := "||"
		if f.nullable {
			parent = "|o"
		}
		child := "o{"
		if f.unique {
			child = "o|"
		}
		fmt.Fprintf(&b, "    %s %s--%s %s : \"%s %s\"\n", mermaidIdent(f.parent.Name()), parent, child,
			mermaidIdent(f.child.Name()), mermaidText(f.field), rule(f))
	}
	for _, m := range d.m2ms {
		if m.from == nil || m.to == nil || m.from.parent == nil || m.to.parent == nil || m.link == nil {
			continue
		}
		fmt.Fprintf(&b, "    %s }o..o{ %s : \"%s\"\n", mermaidIdent(m.from.parent.Name()),
			mermaidIdent(m.to.parent.Name()), mermaidText(m2mNote(m)))
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// dotText escapes s for a DOT HTML-like label.
func dotText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// dotID quotes s as a DOT identifier.
func dotID(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// DOT writes the schema of db as a Graphviz DOT digraph: each table a node
// listing its fields (name, readable type, PK, FK, UK, null) and its
// unique and check constraints by name; each foreign key an edge from the
// child table to the parent, labeled with the relation's name and
// on-delete rule, with its cardinality at both ends ("*" or "0..1" at the
// child, "1" or "0..1" at the parent; dashed when the key is nullable);
// each many-to-many relation a dotted edge between its two tables with
// "*" at both ends, naming its link table. The output is deterministic.
//
// Possible errors: ErrSchema (a DB opened without the relations layer)
// and w's.
func DOT(w io.Writer, db *store.DB) error {
	d, err := schemaOf(db)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("digraph schema {\n")
	b.WriteString("    rankdir=LR;\n")
	b.WriteString("    node [shape=plain, fontname=\"Helvetica\"];\n")
	b.WriteString("    edge [fontname=\"Helvetica\", fontsize=10];\n")
	for _, t := range d.tables {
		fmt.Fprintf(&b, "    %s [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n", dotID(t.name))
		fmt.Fprintf(&b, "        <tr><td bgcolor=\"lightgrey\"><b>%s</b></td></tr>\n", dotText(t.name))
		for _, c := range t.cols {
			var marks []string
			if c.pk {
				marks = append(marks, "PK")
			}
			if c.fk != nil {
				marks = append(marks, "FK")
			}
			if c.uk != "" || c.fk != nil && c.fk.unique {
				marks = append(marks, "UK")
			}
			if c.null {
				marks = append(marks, "null")
			}
			text := c.name + ": " + c.typ
			if len(marks) > 0 {
				text += " (" + strings.Join(marks, ", ") + ")"
			}
			fmt.Fprintf(&b, "        <tr><td align=\"left\">%s</td></tr>\n", dotText(text))
		}
		for _, u := range t.uniques {
			text := "unique " + u.name
			if note := uniqueNote(u); note != "" {
				text += " (" + note + ")"
			}
			fmt.Fprintf(&b, "        <tr><td align=\"left\"><i>%s</i></td></tr>\n", dotText(text))
		}
		for _, c := range t.checks {
			fmt.Fprintf(&b, "        <tr><td align=\"left\"><i>%s</i></td></tr>\n", dotText("check "+c.name))
		}
		b.WriteString("    </table>>];\n")
	}
	for _, f := range d.fks {
		tail, head := "*", "1"
		if f.unique {
			tail = "0..1"
		}
		style := ""
		if f.nullable {
			head, style = "0..1", ", style=dashed"
		}
		fmt.Fprintf(&b, "    %s -> %s [label=%s, taillabel=%s, headlabel=%s%s];\n", dotID(f.child.Name()), dotID(f.parent.Name()),
			dotID(f.field+" "+rule(f)), dotID(tail), dotID(head), style)
	}
	for _, m := range d.m2ms {
		if m.from == nil || m.to == nil || m.from.parent == nil || m.to.parent == nil || m.link == nil {
			continue
		}
		fmt.Fprintf(&b, "    %s -> %s [label=%s, taillabel=\"*\", headlabel=\"*\", dir=both, style=dotted];\n",
			dotID(m.from.parent.Name()), dotID(m.to.parent.Name()), dotID(m2mNote(m)))
	}
	b.WriteString("}\n")
	_, err = io.WriteString(w, b.String())
	return err
}
