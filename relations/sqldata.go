package relations

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/memrel-go/memrel/store"
)

// pgPreamble starts a PostgreSQL script, as pg_dump's do: the script is
// UTF-8 whatever psql's client encoding (which follows the locale), and its
// plain string literals (a check's SQL, say) read a backslash as itself.
// (A driver that sends the script as one query has it parsed before the
// SETs run: the data's strings with a backslash are E'...' for that.)
const pgPreamble = "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"

// sqlTimeLayout is how WriteSQLData writes a time.Time: in UTC, to the
// nanosecond, with an explicit offset. SQLite's date functions and
// database drivers read it (as text in a DATETIME column, it keeps every
// digit); PostgreSQL's timestamptz reads it and rounds it to the
// microsecond, its resolution.
const sqlTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// WriteSQLData writes the rows tx sees to w as SQL for dialect, to run in
// an empty database made by the statements of WriteSQLSchema: one script
// (in SQLite it first turns foreign keys on for its connection, as the
// schema's script does for its own), in one transaction (BEGIN ...
// COMMIT), with foreign-key checks deferred
// to its commit (PRAGMA defer_foreign_keys in SQLite, SET CONSTRAINTS ALL
// DEFERRED in PostgreSQL, whose foreign keys WriteSQLSchema declares
// DEFERRABLE), so that rows that reference each other in a cycle load; then
// an INSERT per row, tables in WriteSQLSchema's order and rows in key
// order; then each sequence moved to memrel's (sqlite_sequence for an
// AUTOINCREMENT key, setval for an identity column), so that the
// database never hands out a key memrel handed out before, as memrel
// never does. The output is the same for the same rows.
//
// Values: NULL for an empty store.Null or a nil pointer; integers and
// floats as numbers (a float's shortest form that reads back exactly;
// NaN, infinities and -0 as PostgreSQL's 'NaN', 'Infinity', '-Infinity'
// and '-0'; SQLite's REAL has no -0 and stores 0); bools as 1 and 0 in
// SQLite, TRUE and FALSE in PostgreSQL; strings as string literals (in
// PostgreSQL an escape string E'...' when they hold a backslash, which
// reads the same whatever standard_conforming_strings says); []byte as
// X'..' in SQLite, E'\\x..' in PostgreSQL;
// time.Time in UTC as '2006-01-02 15:04:05.999999999+00:00' (the instant
// is kept, its location is not; PostgreSQL keeps microseconds, so that two
// times less than a microsecond apart are one there, and a unique
// constraint on them refuses the load); JSON text
// for the fields WriteSQLSchema makes JSON columns. The fields that
// WriteSQLSchema reports as gaps (no column) are left out.
//
// Possible errors: ErrSchema (see WriteSQLSchema), a value the dialect
// cannot hold, named by table, key and field (a string with a NUL byte; in
// PostgreSQL a string that is not UTF-8; a JSON column's string that is
// not UTF-8, which encoding/json would change; an unsigned integer above
// 2^63-1; in SQLite a NaN; a time before year 1 or after 9999), and w's.
func WriteSQLData(w io.Writer, tx *store.Tx, dialect SQLDialect) error {
	s, err := sqlSchemaOf(tx.DB(), dialect)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "-- The rows of a memrel DB for %v, written by memrel.WriteSQLData.\n", dialect)
	if dialect == SQLite {
		// Per connection, and a no-op inside a transaction: the data may
		// run on another connection than the schema (sqlite3 my.db <
		// data.sql), which would otherwise load it unchecked.
		b.WriteString("PRAGMA foreign_keys = ON;\n")
	} else {
		b.WriteString(pgPreamble)
	}
	b.WriteString("BEGIN;\n")
	if dialect == SQLite {
		b.WriteString("PRAGMA defer_foreign_keys = ON;\n")
	} else {
		b.WriteString("SET CONSTRAINTS ALL DEFERRED;\n")
	}
	for _, st := range s.tables {
		prefix := s.insertPrefix(st)
		it := eng.ScanFrom(tx, st.dt.info, "", nil, false)
		for obj := it.Next(); obj != nil; obj = it.Next() {
			row := reflect.ValueOf(obj).Elem()
			b.WriteString(prefix)
			for i := range st.cols {
				c := &st.cols[i]
				if i > 0 {
					b.WriteString(", ")
				}
				lit, err := s.literal(c, row.FieldByIndex(c.index))
				if err != nil {
					return fmt.Errorf("memrel: sql data: table %s, row %v, field %s: %s", st.dt.name,
						eng.KeyOf(st.dt.info, obj), c.name, err)
				}
				b.WriteString(lit)
			}
			b.WriteString(");\n")
		}
		if err := flush(w, &b); err != nil {
			return err
		}
	}
	for _, st := range s.tables {
		if !st.assigned {
			continue
		}
		n := eng.Sequence(tx, st.dt.info)
		table := quoteString(st.dt.name)
		switch {
		case dialect == SQLite && n > 0:
			fmt.Fprintf(&b, "UPDATE sqlite_sequence SET seq = %d WHERE name = %s;\n", n, table)
			fmt.Fprintf(&b, "INSERT INTO sqlite_sequence (name, seq) SELECT %s, %d WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s);\n",
				table, n, table)
		case dialect == PostgreSQL:
			seq := fmt.Sprintf("pg_get_serial_sequence(%s, %s)", quoteString(quoteIdent(st.dt.name)), quoteString(st.key.sqlName))
			if n > 0 {
				fmt.Fprintf(&b, "SELECT setval(%s, %d);\n", seq, n)
			} else {
				fmt.Fprintf(&b, "SELECT setval(%s, 1, false);\n", seq)
			}
		}
	}
	b.WriteString("COMMIT;\n")
	return flush(w, &b)
}

// flush writes b to w and empties it.
func flush(w io.Writer, b *bytes.Buffer) error {
	_, err := w.Write(b.Bytes())
	b.Reset()
	return err
}

// insertPrefix is the start of an INSERT into st, up to its first value.
func (s *sqlSchema) insertPrefix(st *sqlTable) string {
	names := make([]string, len(st.cols))
	for i := range st.cols {
		names[i] = st.cols[i].sqlName
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (", quoteIdent(st.dt.name), joinIdents(names))
}

// literal is the SQL literal of the value v of column c.
func (s *sqlSchema) literal(c *sqlCol, v reflect.Value) (string, error) {
	if c.null {
		if c.ptr {
			if v.IsNil() {
				return "NULL", nil
			}
			v = v.Elem()
		} else {
			if !v.Field(1).Bool() { // Null.Valid
				return "NULL", nil
			}
			v = v.Field(0)
		}
	}
	pg := s.dialect == PostgreSQL
	switch c.kind {
	case kInt:
		return strconv.FormatInt(v.Int(), 10), nil
	case kUint:
		if v.Uint() > math.MaxInt64 {
			return "", fmt.Errorf("%d is above 2^63-1, the largest integer %v holds", v.Uint(), s.dialect)
		}
		return strconv.FormatUint(v.Uint(), 10), nil
	case kFloat32, kFloat64:
		f := v.Float()
		switch {
		case math.IsNaN(f) && pg:
			return "'NaN'", nil
		case math.IsNaN(f):
			return "", fmt.Errorf("NaN: SQLite stores it as NULL")
		case math.IsInf(f, 1) && pg:
			return "'Infinity'", nil
		case math.IsInf(f, -1) && pg:
			return "'-Infinity'", nil
		case math.IsInf(f, 1):
			return "9e999", nil
		case math.IsInf(f, -1):
			return "-9e999", nil
		}
		if f == 0 && math.Signbit(f) && pg {
			// A bare -0 is the integer 0 negated, which is 0: the string
			// literal is read as the float, sign and all. (SQLite's REAL
			// has no negative zero: it stores 0.)
			return "'-0'", nil
		}
		bits := 64
		if c.kind == kFloat32 {
			bits = 32
		}
		return strconv.FormatFloat(f, 'g', -1, bits), nil
	case kBool:
		switch {
		case pg && v.Bool():
			return "TRUE", nil
		case pg:
			return "FALSE", nil
		case v.Bool():
			return "1", nil
		}
		return "0", nil
	case kString:
		return s.text(v.String())
	case kBytes:
		var raw []byte
		if v.Kind() == reflect.Slice {
			raw = v.Bytes()
		}
		if pg {
			// An escape string, which reads the same whatever
			// standard_conforming_strings says: bytea's hex form \x...
			return `E'\\x` + hex.EncodeToString(raw) + "'", nil
		}
		return "X'" + hex.EncodeToString(raw) + "'", nil
	case kTime:
		t := v.Interface().(time.Time).UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return "", fmt.Errorf("time %v is outside years 1 to 9999", t)
		}
		return quoteString(t.Format(sqlTimeLayout)), nil
	case kJSON:
		// Through a pointer, as encoding/json marshals a field of a struct
		// it has a pointer to: a MarshalJSON (or MarshalText) with a
		// pointer receiver runs (the value alone would skip it). A pointer
		// to a copy: the stored row is shared, never lent to user code.
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		data, err := json.Marshal(p.Interface())
		if err != nil {
			return "", fmt.Errorf("as JSON: %v", err)
		}
		if jsonHasEscape(data, "ufffd") {
			return "", fmt.Errorf("JSON of a string that is not UTF-8, whose bad bytes encoding/json replaces with U+FFFD")
		}
		if pg && jsonHasEscape(data, "u0000") {
			return "", fmt.Errorf("JSON with a NUL character, which PostgreSQL's jsonb refuses")
		}
		return s.text(string(data))
	}
	return "", fmt.Errorf("internal error: no SQL form for %v", v.Type())
}

// text is the SQL literal of a string.
func (s *sqlSchema) text(v string) (string, error) {
	if strings.IndexByte(v, 0) >= 0 {
		return "", fmt.Errorf("a string with a NUL byte, which SQL text cannot hold")
	}
	if s.dialect == PostgreSQL && !utf8.ValidString(v) {
		return "", fmt.Errorf("a string that is not UTF-8, which PostgreSQL's text refuses")
	}
	return s.quoteString(v), nil
}

// jsonHasEscape tells whether JSON text holds the escape \ followed by
// esc: \u0000, a NUL, or \ufffd, which encoding/json writes for bytes that
// are not UTF-8 (a real U+FFFD it writes as itself); not the same
// characters after an escaped backslash (\\u0000, a backslash and "u0000").
func jsonHasEscape(data []byte, esc string) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if bytes.HasPrefix(data[i+1:], []byte(esc)) {
			return true
		}
		i++ // the escaped character: a backslash escapes the next one
	}
	return false
}
