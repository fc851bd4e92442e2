package relations

import (
	"encoding"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/memrel-go/memrel/internal/fieldref"
	"github.com/memrel-go/memrel/store"
)

// This file writes a DB's schema as SQL DDL for SQLite or PostgreSQL (see
// WriteSQLSchema); sqldata.go writes its rows. Both walk the schema the
// diagrams draw (schemaOf), so that a table, a column and a constraint are
// found one way.

// SQLDialect is the SQL database that WriteSQLSchema and WriteSQLData
// write for. The zero value is not a dialect.
type SQLDialect uint8

const (
	_ SQLDialect = iota // the zero value is not a dialect
	// SQLite is SQLite 3 (3.35 or later), with foreign keys turned on
	// (PRAGMA foreign_keys = ON, per connection).
	SQLite
	// PostgreSQL is PostgreSQL 12 or later.
	PostgreSQL
)

var _ fmt.Stringer = SQLite

func (d SQLDialect) String() string {
	switch d {
	case SQLite:
		return "SQLite"
	case PostgreSQL:
		return "PostgreSQL"
	}
	return fmt.Sprintf("SQLDialect(%d)", uint8(d))
}

// SQLGap is a part of a schema that the SQL written for it does not
// enforce or hold: a check or a partial unique condition written in Go
// with no SQL form given, a unique constraint on a computed value, a
// NoConstraint relation whose on-delete rule the database will not carry
// out, a Set rule computed by a Go function, a field with no SQL type, an
// unexported field, a field of an embedded struct hidden by another of the
// same name, or a JSON column whose encoding leaves values out (unexported
// or json:"-" fields of a struct type). WriteSQLSchema returns every
// gap, and writes each as a comment ("-- GAP: ...") before the table it
// concerns: nothing is left out silently.
type SQLGap struct {
	Table string // the table
	Field string // the Go field, when the gap is about a field
	Name  string // the constraint or relation, when the gap is about one
	// What says what the SQL lacks and how to close the gap, if it can be.
	What string
}

func (g SQLGap) String() string {
	s := "table " + g.Table
	if g.Field != "" {
		s += ", field " + g.Field
	}
	if g.Name != "" {
		s += ", " + g.Name
	}
	return s + ": " + g.What
}

// SQL gives the check the SQL form of its predicate, a boolean expression
// over the table's columns (snake case of the Go fields: PriceCents is
// price_cents), written in the SQL that SQLite and PostgreSQL share:
//
//	relations.Check(Products, "price_cents_gte_0",
//		func(p *Product) bool { return p.PriceCents >= 0 }).
//		SQL("price_cents >= 0")
//
// WriteSQLSchema writes it as the table's CHECK constraint; memrel itself
// never evaluates it and keeps enforcing the Go function, so the two must
// agree (a CHECK whose expression is NULL passes, as CheckNullable's empty
// fields do). A check without SQL is reported as an SQLGap. Like every
// builder method, SQL panics once a DB was opened with the constraint.
func (c *CheckConstraint[T]) SQL(expr string) *CheckConstraint[T] {
	if c.d.frozen.Load() {
		panic(fmt.Sprintf("memrel: check constraint %s: SQL called after a DB was opened with it; a declaration cannot change once it is in force (declare it whole before Open)", c.d.name))
	}
	c.d.sql = strings.TrimSpace(expr)
	return c
}

// WhereSQL gives the condition of a partial constraint (see Where) its SQL
// form, a boolean expression over the table's columns, so that
// WriteSQLSchema writes the constraint as a partial unique index:
//
//	relations.Unique(Subscriptions, "one_active_per_user", &sub.UserID).
//		Where(func(s *Subscription) bool { return !s.EndedAt.Valid }).
//		WhereSQL("ended_at IS NULL")
//
// memrel keeps enforcing the Go condition; the two must agree. A partial
// constraint without it is reported as an SQLGap. Like Where, WhereSQL
// panics once a DB was opened with the constraint.
func (u *UniqueConstraint[T, V]) WhereSQL(cond string) *UniqueConstraint[T, V] {
	if u.d.frozen.Load() {
		panic(fmt.Sprintf("memrel: unique constraint %s: WhereSQL called after a DB was opened with it; a declaration cannot change once it is in force (declare it whole before Open)", u.d.name))
	}
	u.d.whereSQL = strings.TrimSpace(cond)
	return u
}

// sqlKind is how a column's values are written.
type sqlKind uint8

const (
	kNone sqlKind = iota // no SQL form
	kInt
	kUint
	kFloat32
	kFloat64
	kBool
	kString
	kBytes
	kTime
	kJSON
)

// sqlCol is a column of a table as the SQL export sees it.
type sqlCol struct {
	dCol
	sqlName string
	kind    sqlKind
	base    reflect.Type // the value's type, a Null or pointer unwrapped
	null    bool         // nullable: a store.Null or a pointer
	ptr     bool         // a pointer field
}

// sqlTable is a table as the SQL export sees it.
type sqlTable struct {
	dt       dTable
	cols     []sqlCol
	key      *sqlCol
	assigned bool // keys drawn from a sequence: an identity column
	fks      []*fkDef
	gaps     []SQLGap
}

// sqlSchema is a schema as the SQL export sees it, its tables in creation
// order: a table after the tables it references (cycles broken in schema
// order).
type sqlSchema struct {
	dialect SQLDialect
	tables  []*sqlTable
	byInfo  map[*store.TableInfo]*sqlTable
	gaps    []SQLGap
}

// sqlSchemaOf builds the SQL view of db's schema.
func sqlSchemaOf(db *store.DB, dialect SQLDialect) (*sqlSchema, error) {
	if dialect != SQLite && dialect != PostgreSQL {
		return nil, fmt.Errorf("memrel: sql: %v is not a dialect (use SQLite or PostgreSQL)", dialect)
	}
	d, err := schemaOf(db)
	if err != nil {
		return nil, err
	}
	s := &sqlSchema{dialect: dialect, byInfo: map[*store.TableInfo]*sqlTable{}}
	var all []*sqlTable
	for _, dt := range d.tables {
		st := &sqlTable{dt: dt, assigned: eng.Assigned(dt.info)}
		seen := map[string]string{}
		for _, f := range dt.hidden {
			st.gap(f, "", "an unexported field has no column: its values are not exported")
		}
		for _, f := range hiddenByName(dt.info.RowType()) {
			st.gap(f, "", "a field of an embedded struct that another field of the same name hides (Go sees one of them, or neither): no column, its values are not exported")
		}
		for _, c := range dt.cols {
			sc := sqlCol{dCol: c, sqlName: fieldref.Snake(c.name)}
			sc.base, sc.null, sc.ptr = unwrapNull(c.goType)
			sc.kind = kindOf(sc.base)
			if sc.kind == kNone {
				st.gap(c.name, "", fmt.Sprintf("Go type %v has no SQL form: no column, its values are not exported", c.goType))
				continue
			}
			if sc.kind == kJSON {
				if lost := jsonLoss(sc.base, map[reflect.Type]bool{}); lost != "" {
					st.gap(c.name, "", fmt.Sprintf("a JSON column, whose encoding leaves out %s: those values are not exported (give the type a MarshalJSON, or export the fields)", lost))
				}
			}
			if other, dup := seen[sc.sqlName]; dup {
				return nil, fmt.Errorf("memrel: sql: table %s: fields %s and %s both make column %s: %w",
					dt.name, other, c.name, sc.sqlName, store.ErrSchema)
			}
			seen[sc.sqlName] = c.name
			st.cols = append(st.cols, sc)
		}
		for i := range st.cols {
			if st.cols[i].pk {
				st.key = &st.cols[i]
			}
		}
		if st.key == nil {
			return nil, fmt.Errorf("memrel: sql: table %s: its key field is not a column of its own (a field inside another): %w", dt.name, store.ErrSchema)
		}
		all = append(all, st)
		s.byInfo[dt.info] = st
	}
	for _, f := range d.fks {
		if st := s.byInfo[f.child]; st != nil {
			st.fks = append(st.fks, f)
		}
	}
	if dialect == SQLite {
		for _, st := range all {
			if strings.HasPrefix(strings.ToLower(st.dt.name), "sqlite_") {
				return nil, fmt.Errorf("memrel: sql: table %s: SQLite keeps names that begin with sqlite_ for itself, and refuses it: %w",
					st.dt.name, store.ErrSchema)
			}
		}
	}
	if dialect == PostgreSQL {
		// PostgreSQL cuts a longer name to 63 bytes, and reads it so
		// everywhere: a name is only lost when two become one.
		tables := map[string]string{}
		for _, st := range all {
			cut := pgCut(st.dt.name)
			if other, dup := tables[cut]; dup {
				return nil, fmt.Errorf("memrel: sql: tables %s and %s are one table in PostgreSQL, which keeps the first %d bytes of a name: %w",
					other, st.dt.name, pgMaxName, store.ErrSchema)
			}
			tables[cut] = st.dt.name
			cols := map[string]string{}
			for _, c := range st.cols {
				if pgSystemColumns[c.sqlName] {
					return nil, fmt.Errorf("memrel: sql: table %s: column %s (field %s) is a system column's name in PostgreSQL, which refuses it (rename the field): %w",
						st.dt.name, c.sqlName, c.name, store.ErrSchema)
				}
				cut := pgCut(c.sqlName)
				if other, dup := cols[cut]; dup {
					return nil, fmt.Errorf("memrel: sql: table %s: columns %s and %s are one column in PostgreSQL, which keeps the first %d bytes of a name: %w",
						st.dt.name, other, c.sqlName, pgMaxName, store.ErrSchema)
				}
				cols[cut] = c.sqlName
			}
		}
	}
	s.tables = createOrder(all, s.byInfo)
	return s, nil
}

func (st *sqlTable) gap(field, name, what string) {
	st.gaps = append(st.gaps, SQLGap{Table: st.dt.name, Field: field, Name: name, What: what})
}

// createOrder orders tables so that a table comes after the tables its
// foreign keys reference (a reference to itself aside); where a cycle
// leaves no such table, the first remaining in schema order goes next.
func createOrder(tables []*sqlTable, byInfo map[*store.TableInfo]*sqlTable) []*sqlTable {
	var out []*sqlTable
	placed := map[*sqlTable]bool{}
	for len(out) < len(tables) {
		next := (*sqlTable)(nil)
		for _, t := range tables {
			if placed[t] {
				continue
			}
			ready := true
			for _, f := range t.fks {
				if p := byInfo[f.parent]; p != nil && p != t && !placed[p] && !f.unchecked {
					ready = false
					break
				}
			}
			if ready {
				next = t
				break
			}
		}
		if next == nil {
			for _, t := range tables {
				if !placed[t] {
					next = t
					break
				}
			}
		}
		placed[next] = true
		out = append(out, next)
	}
	return out
}

// hiddenByName returns the fields of typ's embedded structs that no
// column holds because another field of the same name hides them
// (reflect.VisibleFields leaves them out): a promoted field shadowed by a
// shallower one, or two at one depth, which hide each other. Each is named
// by its path, "Base.Label".
func hiddenByName(typ reflect.Type) []string {
	visible := map[string]bool{}
	for _, f := range reflect.VisibleFields(typ) {
		visible[fmt.Sprint(f.Index)] = true
	}
	var out []string
	var walk func(t reflect.Type, index []int, path string)
	walk = func(t reflect.Type, index []int, path string) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(slices.Clone(index), i)
			switch {
			case embeds(f):
				walk(f.Type, idx, path+f.Name+".")
			case !visible[fmt.Sprint(idx)]:
				out = append(out, path+f.Name)
			}
		}
	}
	walk(typ, nil, "")
	return out
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// jsonLoss says what encoding/json leaves out of a value of t, "" for
// nothing: the unexported fields and those tagged json:"-" of a struct
// without its own MarshalJSON or MarshalText, at any depth (a named
// time.Time, which has no exported field, is all lost).
func jsonLoss(t reflect.Type, seen map[reflect.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return ""
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return jsonLoss(t.Elem(), seen)
	case reflect.Map:
		return jsonLoss(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case f.Anonymous && f.Type.Kind() == reflect.Struct:
				// encoding/json promotes its fields, exported or not.
			case !f.IsExported():
				return fmt.Sprintf("field %s of %v (unexported)", f.Name, t)
			case f.Tag.Get("json") == "-":
				return fmt.Sprintf("field %s of %v (json:\"-\")", f.Name, t)
			}
			if lost := jsonLoss(f.Type, seen); lost != "" {
				return lost
			}
		}
	}
	return ""
}

// unwrapNull returns the value type of a field's type: the V of a
// store.Null[V] or the T of a *T (nullable), or the type itself.
func unwrapNull(t reflect.Type) (base reflect.Type, null, ptr bool) {
	switch {
	case isNull(t):
		return t.Field(0).Type, true, false
	case t.Kind() == reflect.Pointer:
		return t.Elem(), true, true
	}
	return t, false, false
}

// kindOf says how values of t are written: by kind (a named type as its
// underlying one, a time.Duration as nanoseconds), time.Time as a
// timestamp, []byte as bytes, other slices, arrays, maps and structs as
// JSON text; interfaces, channels, functions and complex numbers have no
// SQL form.
func kindOf(t reflect.Type) sqlKind {
	if t == timeType {
		return kTime
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return kUint
	case reflect.Float32:
		return kFloat32
	case reflect.Float64:
		return kFloat64
	case reflect.Bool:
		return kBool
	case reflect.String:
		return kString
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return kBytes
		}
		return kJSON
	case reflect.Array, reflect.Map, reflect.Struct:
		return kJSON
	case reflect.Pointer:
		return kJSON // a pointer inside a Null, or a pointer to a pointer
	}
	return kNone
}

// sqlType is the column type of c in the dialect.
func (s *sqlSchema) sqlType(c *sqlCol) string {
	if s.dialect == SQLite {
		switch c.kind {
		case kInt, kUint:
			return "INTEGER"
		case kFloat32, kFloat64:
			return "REAL"
		case kBool:
			return "BOOLEAN"
		case kString, kJSON:
			return "TEXT"
		case kBytes:
			return "BLOB"
		case kTime:
			return "DATETIME"
		}
		return "TEXT"
	}
	switch c.kind {
	case kInt, kUint:
		switch c.base.Kind() {
		case reflect.Int8, reflect.Int16, reflect.Uint8:
			return "smallint"
		case reflect.Int32, reflect.Uint16:
			return "integer"
		}
		return "bigint"
	case kFloat32:
		return "real"
	case kFloat64:
		return "double precision"
	case kBool:
		return "boolean"
	case kString:
		return "text"
	case kBytes:
		return "bytea"
	case kTime:
		return "timestamptz"
	case kJSON:
		return "jsonb"
	}
	return "text"
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes an SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteString quotes an SQL string literal for the dialect. In PostgreSQL
// a string with a backslash is an escape string (E'...', its backslashes
// doubled), which reads the same whether standard_conforming_strings is on
// (the default) or off (a server's setting, or an old server's default),
// where a backslash in a plain literal would start an escape.
func (s *sqlSchema) quoteString(v string) string {
	if s.dialect == PostgreSQL && strings.Contains(v, `\`) {
		return "E" + quoteString(strings.ReplaceAll(v, `\`, `\\`))
	}
	return quoteString(v)
}

// comment makes s one SQL comment line's text.
func comment(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// column returns the column of st at the field offset off of type typ.
func (st *sqlTable) column(off uintptr, typ reflect.Type) *sqlCol {
	for i := range st.cols {
		if st.cols[i].off == off && st.cols[i].goType == typ {
			return &st.cols[i]
		}
	}
	return nil
}

// onDelete is the SQL form of a relation's on-delete rule, with the
// column DEFAULT the rule needs ("" for none) and a note on the mapping
// ("" when SQL has the rule as is); ok is false when SQL has no form.
func (s *sqlSchema) onDelete(f *fkDef) (rule, def, note string, ok bool) {
	switch f.action {
	case Cascade:
		return "CASCADE", "", "", true
	case Protect:
		return "RESTRICT", "", "memrel Protect: refused at once, row by row (memrel refuses even when the row goes by another cascade)", true
	case Restrict:
		return "NO ACTION", "", "memrel Restrict: checked at the end of the statement, after its cascades (PostgreSQL may check it before a cascade that removes the row)", true
	case SetNull:
		return "SET NULL", "", "", true
	case SetDefault:
		if f.defaultNull {
			return "SET DEFAULT", "NULL", "", true
		}
		return "SET DEFAULT", s.literalOf(f.defValue), "", true
	case Set:
		switch {
		case f.setNull:
			return "SET NULL", "", "memrel Set(null)", true
		case f.setFunc:
			return "NO ACTION", "", "", false
		}
		return "SET DEFAULT", s.literalOf(f.setValue), "memrel Set(value), as the column's DEFAULT", true
	case DoNothing:
		return "NO ACTION", "", "memrel DoNothing: checked at commit", true
	}
	return "NO ACTION", "", "", false
}

// literalOf is the SQL literal of a key value (an integer or a string).
func (s *sqlSchema) literalOf(v any) string {
	if v == nil {
		return "NULL"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return s.quoteString(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprint(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprint(rv.Uint())
	}
	return s.quoteString(fmt.Sprint(v))
}

// pgMaxName is the longest identifier PostgreSQL keeps, in bytes
// (NAMEDATALEN - 1); it cuts longer ones, without a word but a NOTICE.
const pgMaxName = 63

// pgSystemColumns are the names of PostgreSQL's system columns, which no
// column of a table may take.
var pgSystemColumns = map[string]bool{"tableoid": true, "xmin": true, "cmin": true, "xmax": true, "cmax": true, "ctid": true}

// pgCut is name as PostgreSQL keeps it: its first 63 bytes (whole
// characters).
func pgCut(name string) string {
	if len(name) <= pgMaxName {
		return name
	}
	cut := pgMaxName
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut]
}

// objName is the name of a constraint or an index in the dialect. In
// PostgreSQL a name longer than 63 bytes would be cut there, and names
// that differ only in their ends (the "_key" and "_fkey" of a one-to-one
// on long names) would then collide: such a name is cut here, to 54
// bytes, and ends with "_" and a hash of the whole name, as Django does.
func (s *sqlSchema) objName(name string) string {
	if s.dialect != PostgreSQL || len(name) <= pgMaxName {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	cut := pgMaxName - 9
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return fmt.Sprintf("%s_%08x", name[:cut], h.Sum32())
}

// fkName and fkIndexName name a relation's constraint and index in SQL.
func fkName(f *fkDef) string      { return f.child.Name() + "_" + f.field + "_fkey" }
func fkIndexName(f *fkDef) string { return f.child.Name() + "_" + f.field + "_idx" }

// WriteSQLSchema writes the schema of db to w as SQL DDL for dialect, and
// returns what the SQL lacks (see SQLGap). The statements create every
// table, its parents first (cycles broken in schema order), with:
//
//   - a column per exported field, named in snake case (AuthorID is
//     author_id), NOT NULL unless the field is a store.Null or a pointer;
//     types per dialect: integers INTEGER / smallint, integer or bigint;
//     floats REAL / real or double precision; bool BOOLEAN / boolean;
//     string TEXT / text; []byte BLOB / bytea; time.Time DATETIME /
//     timestamptz; other slices, arrays, maps and structs JSON text,
//     TEXT / jsonb;
//   - the key as PRIMARY KEY; a key drawn from memrel's sequence is
//     INTEGER PRIMARY KEY AUTOINCREMENT in SQLite, GENERATED BY DEFAULT AS
//     IDENTITY in PostgreSQL (WriteSQLData moves either past memrel's
//     sequence);
//   - each foreign key with its on-delete rule: Cascade, SetNull and
//     SetDefault as CASCADE, SET NULL and SET DEFAULT (with the column's
//     DEFAULT); Protect as RESTRICT (refused as soon as the parent row is
//     deleted); Restrict as NO ACTION (checked at the end of the
//     statement, after its cascades, as Django judges RESTRICT after
//     collecting the whole delete: SQLite then agrees with memrel, while
//     PostgreSQL may run the check before a cascade that removes the
//     restricting row, and refuse); Set(value) as SET DEFAULT with the
//     value as the column's DEFAULT; DoNothing as NO ACTION DEFERRABLE
//     INITIALLY DEFERRED (checked at commit, as memrel does).
//     In PostgreSQL every other foreign key is DEFERRABLE INITIALLY
//     IMMEDIATE, so that WriteSQLData's rows load in any order. A key that
//     references a table created later (a cycle) is added by ALTER TABLE
//     in PostgreSQL; SQLite takes it in CREATE TABLE. A NoConstraint
//     relation has no FOREIGN KEY. Each foreign key's column gets an index
//     (but a key or one-to-one column, which its own constraint indexes);
//   - unique constraints on fields as UNIQUE (a one-to-one relation's
//     column too), partial ones as a partial unique index when WhereSQL
//     gave the condition's SQL; check constraints as CHECK when SQL gave
//     the expression.
//
// The rest is returned as gaps and written as comments. The output depends
// on the schema only, and is the same for the same schema.
//
// Possible errors: ErrSchema (a DB opened without the relations layer,
// two fields that make one column name, a key inside another field; for
// PostgreSQL, two table names or two column names of a table that it
// would cut to the same 63 bytes, or a column named like one of its system
// columns, xmin or ctid say; for SQLite, a table whose name begins with
// sqlite_), an
// error naming a dialect that is not one, and w's.
func WriteSQLSchema(w io.Writer, db *store.DB, dialect SQLDialect) ([]SQLGap, error) {
	s, err := sqlSchemaOf(db, dialect)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- The schema of a memrel DB for %v, written by memrel.WriteSQLSchema.\n", dialect)
	if dialect == SQLite {
		b.WriteString("PRAGMA foreign_keys = ON;\n")
	} else {
		b.WriteString(pgPreamble)
	}
	created := map[*sqlTable]bool{}
	var later []string // PostgreSQL: foreign keys to tables created later
	for _, st := range s.tables {
		s.createTable(&b, st, created, &later)
		created[st] = true
		s.gaps = append(s.gaps, st.gaps...)
	}
	if len(later) > 0 {
		b.WriteString("\n-- Foreign keys that close a cycle of tables.\n")
		for _, l := range later {
			b.WriteString(l)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return s.gaps, err
	}
	return s.gaps, nil
}

// createTable writes the statements that create st.
func (s *sqlSchema) createTable(b *strings.Builder, st *sqlTable, created map[*sqlTable]bool, later *[]string) {
	name := quoteIdent(st.dt.name)
	type line struct{ text, note string }
	var lines []line   // the column and constraint lines of CREATE TABLE
	var after []string // statements after it: indexes
	var notes []string // comments before it
	defaults := map[*sqlCol]string{}
	type fkLine struct {
		f        *fkDef
		col      *sqlCol
		rule     string
		note     string
		deferred bool
	}
	var fkLines []fkLine
	for _, f := range st.fks {
		col := st.column(f.off, f.ftype)
		if col == nil {
			st.gap(f.column, "relation "+f.name(), "the key field is not a column of its own (it is inside another field): no FOREIGN KEY, so the engine neither checks it nor carries out its on-delete rule")
			continue
		}
		rule, def, note, ok := s.onDelete(f)
		if f.unchecked {
			if f.action != DoNothing {
				st.gap(col.name, "relation "+f.name(), fmt.Sprintf("NoConstraint: no FOREIGN KEY, so the engine will not carry out its on-delete rule %v", f.action))
			}
			notes = append(notes, fmt.Sprintf("relation %s is NoConstraint: column %s has no FOREIGN KEY", f.name(), col.sqlName))
		} else {
			if !ok {
				st.gap(col.name, "relation "+f.name(), "on-delete rule Set with a Go function (SetFunc) has no SQL form: the FOREIGN KEY is NO ACTION, so the engine refuses the delete that memrel would rewrite")
			}
			if def != "" {
				defaults[col] = def
			}
			fkLines = append(fkLines, fkLine{f: f, col: col, rule: rule, note: note, deferred: f.action == DoNothing})
		}
		if !col.pk && !f.unique {
			after = append(after, fmt.Sprintf("CREATE INDEX %s ON %s (%s);\n",
				quoteIdent(s.objName(fkIndexName(f))), name, quoteIdent(col.sqlName)))
		}
	}
	for i := range st.cols {
		c := &st.cols[i]
		col := quoteIdent(c.sqlName) + " " + s.sqlType(c)
		switch {
		case c.pk && s.dialect == SQLite && (c.kind == kInt || c.kind == kUint):
			col = quoteIdent(c.sqlName) + " INTEGER PRIMARY KEY"
			if st.assigned {
				col += " AUTOINCREMENT"
			}
		case c.pk && s.dialect == PostgreSQL && st.assigned:
			col += " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
		case c.pk:
			col += " NOT NULL PRIMARY KEY"
		case !c.null:
			col += " NOT NULL"
		}
		if d, ok := defaults[c]; ok {
			col += " DEFAULT " + d
		}
		lines = append(lines, line{text: col})
	}
	// Unique constraints: one-to-one relations, then those declared.
	for _, f := range st.fks {
		col := st.column(f.off, f.ftype)
		if f.unique && col != nil && !col.pk {
			lines = append(lines, line{text: fmt.Sprintf("CONSTRAINT %s UNIQUE (%s)", quoteIdent(s.objName(f.child.Name()+"_"+f.field+"_key")), quoteIdent(col.sqlName))})
		}
	}
	for _, u := range st.dt.uniques {
		cols, ok := st.uniqueColumns(u)
		switch {
		case len(u.offs) == 0:
			st.gap("", "unique constraint "+u.name, "a unique constraint on a computed value (UniqueFunc) has no SQL form: not in the SQL (declare it on fields with Unique or UniqueTogether to export it)")
		case !ok:
			st.gap("", "unique constraint "+u.name, "a field it constrains is inside another field: not in the SQL")
		case u.partial && u.whereSQL == "":
			st.gap("", "unique constraint "+u.name, "its Where condition is a Go function with no SQL form: not in the SQL (give the condition's SQL with WhereSQL to export it as a partial unique index)")
		case u.partial:
			after = append(after, fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s (%s) WHERE %s;\n",
				quoteIdent(s.objName(u.name)), name, joinIdents(cols), u.whereSQL))
		default:
			lines = append(lines, line{text: fmt.Sprintf("CONSTRAINT %s UNIQUE (%s)", quoteIdent(s.objName(u.name)), joinIdents(cols))})
		}
	}
	for _, c := range st.dt.checks {
		if c.sql == "" {
			st.gap("", "check constraint "+c.name, "a Go function with no SQL form: not in the SQL (give its SQL with CheckConstraint.SQL to export it as a CHECK)")
			continue
		}
		lines = append(lines, line{text: fmt.Sprintf("CONSTRAINT %s CHECK (%s)", quoteIdent(s.objName(c.name)), c.sql)})
	}
	for _, l := range fkLines {
		parent := s.byInfo[l.f.parent]
		clause := fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s",
			quoteIdent(s.objName(fkName(l.f))), quoteIdent(l.col.sqlName), quoteIdent(parent.dt.name), quoteIdent(parent.key.sqlName), l.rule)
		switch {
		case l.deferred:
			clause += " DEFERRABLE INITIALLY DEFERRED"
		case s.dialect == PostgreSQL:
			clause += " DEFERRABLE INITIALLY IMMEDIATE"
		}
		if s.dialect == PostgreSQL && parent != st && !created[parent] {
			*later = append(*later, fmt.Sprintf("ALTER TABLE %s ADD %s;\n", name, clause))
			continue
		}
		lines = append(lines, line{text: clause, note: l.note})
	}
	b.WriteString("\n")
	for _, g := range st.gaps {
		fmt.Fprintf(b, "-- GAP: %s\n", comment(g.String()))
	}
	for _, n := range notes {
		fmt.Fprintf(b, "-- %s\n", comment(n))
	}
	fmt.Fprintf(b, "CREATE TABLE %s (\n", name)
	for i, l := range lines {
		b.WriteString("    " + l.text)
		if i < len(lines)-1 {
			b.WriteString(",")
		}
		if l.note != "" {
			b.WriteString(" -- " + comment(l.note))
		}
		b.WriteString("\n")
	}
	b.WriteString(");\n")
	for _, a := range after {
		b.WriteString(a)
	}
}

// uniqueColumns returns the SQL columns of a unique constraint declared on
// fields, and false for one on a computed value.
func (st *sqlTable) uniqueColumns(u *uniqueDef) ([]string, bool) {
	if len(u.offs) == 0 {
		return nil, false
	}
	var cols []string
	for i, off := range u.offs {
		c := st.column(off, u.ftypes[i])
		if c == nil {
			return nil, false
		}
		cols = append(cols, c.sqlName)
	}
	return cols, true
}

func joinIdents(names []string) string {
	q := slices.Clone(names)
	for i, n := range q {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}
