package sqlengines

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/internal/fieldref"
)

// engine is a SQL database to load memrel's export into.
type engine struct {
	name    string
	dialect memrel.SQLDialect
	// open returns a new, empty database on one connection.
	open func(t *testing.T) *sql.DB
	// refused tells whether err is the engine refusing a delete for a
	// foreign key (SQLite's "FOREIGN KEY constraint failed", PostgreSQL's
	// SQLSTATE 23503 or 23001).
	refused func(err error) bool
	// timeTolerance is how far a time read back may be from memrel's:
	// PostgreSQL's timestamptz keeps microseconds.
	timeTolerance time.Duration
}

var sqliteEngine = engine{
	name:    "sqlite",
	dialect: memrel.SQLite,
	open: func(t *testing.T) *sql.DB {
		t.Helper()
		db, err := sql.Open("sqlite3", "file::memory:?_foreign_keys=on")
		if err != nil {
			t.Fatal(err)
		}
		// One connection: an in-memory database lives as long as it.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		t.Cleanup(func() { db.Close() })
		var on int
		if err := db.QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
			t.Fatalf("SQLite: PRAGMA foreign_keys = %d (%v), want 1", on, err)
		}
		return db
	},
	refused: func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
	},
}

var schemas atomic.Int64

// postgresEngine returns the PostgreSQL engine, or skips t when there is
// no server to reach (and fails it under CI, which starts one).
func postgresEngine(t *testing.T) engine {
	t.Helper()
	base := os.Getenv("MEMREL_POSTGRES_URL")
	if base == "" {
		msg := "PostgreSQL: no server (set MEMREL_POSTGRES_URL=postgres://user@host/db, or run " +
			"`bash ../../.ci/with-postgres go test ./...` in examples/sqlengines, which starts a throwaway cluster; `bash .ci/run` does it too)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + ": CI must run the PostgreSQL tests")
		}
		t.Skip(msg)
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		t.Fatalf("PostgreSQL at MEMREL_POSTGRES_URL: %v", err)
	}
	admin.Close()
	return engine{
		name:    "postgres",
		dialect: memrel.PostgreSQL,
		open: func(t *testing.T) *sql.DB {
			t.Helper()
			admin, err := sql.Open("pgx", base)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { admin.Close() })
			// A fresh schema per database, dropped at the end.
			schema := fmt.Sprintf("memrel_%d_%d", os.Getpid(), schemas.Add(1))
			if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
			u, err := url.Parse(base)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			db, err := sql.Open("pgx", u.String())
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			t.Cleanup(func() { db.Close() })
			return db
		},
		refused: func(err error) bool {
			return err != nil && (strings.Contains(err.Error(), "SQLSTATE 23503") || strings.Contains(err.Error(), "SQLSTATE 23001"))
		},
		timeTolerance: 500 * time.Nanosecond,
	}
}

// export writes db's schema and rows for the dialect.
func export(t *testing.T, db *memrel.DB, dialect memrel.SQLDialect) (ddl, data string, gaps []memrel.SQLGap) {
	t.Helper()
	var s, d bytes.Buffer
	gaps, err := memrel.WriteSQLSchema(&s, db, dialect)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *memrel.Tx) error { return memrel.WriteSQLData(&d, tx, dialect) }); err != nil {
		t.Fatal(err)
	}
	return s.String(), d.String(), gaps
}

// load makes a fresh database of e and runs the schema and the rows of
// db in it.
func load(t *testing.T, e engine, db *memrel.DB) *sql.DB {
	t.Helper()
	ddl, data, _ := export(t, db, e.dialect)
	sdb := e.open(t)
	if _, err := sdb.Exec(ddl); err != nil {
		t.Fatalf("%s: the DDL: %v\n%s", e.name, err, ddl)
	}
	if _, err := sdb.Exec(data); err != nil {
		t.Fatalf("%s: the data: %v\n%s", e.name, err, data)
	}
	return sdb
}

// state is the rows of every table, typed, in key order.
type state map[string][]any

// memrelState reads every row of db through its fixture (Django's
// dumpdata JSON), decoded into the tables' row types. Every table of the
// example domains has its key in the field ID.
func memrelState(t *testing.T, db *memrel.DB) state {
	t.Helper()
	var b bytes.Buffer
	if err := db.View(func(tx *memrel.Tx) error { return memrel.DumpFixture(tx, &b, memrel.FixtureJSON) }); err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Model  string
		PK     json.RawMessage
		Fields json.RawMessage
	}
	if err := json.Unmarshal(b.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	types := map[string]reflect.Type{}
	st := state{}
	for _, ti := range db.Tables() {
		types[ti.Name()] = ti.RowType()
		st[ti.Name()] = []any{}
	}
	for _, e := range entries {
		row := reflect.New(types[e.Model])
		if err := json.Unmarshal(e.Fields, row.Interface()); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(e.PK, row.Elem().FieldByName("ID").Addr().Interface()); err != nil {
			t.Fatal(err)
		}
		st[e.Model] = append(st[e.Model], row.Elem().Interface())
	}
	return st
}

// sqlState reads every row of the tables of db back from sdb, into the
// tables' row types: one column per exported field, in snake case.
func sqlState(t *testing.T, sdb *sql.DB, db *memrel.DB) state {
	t.Helper()
	st := state{}
	for _, ti := range db.Tables() {
		typ := ti.RowType()
		var cols []string
		for i := range typ.NumField() {
			cols = append(cols, `"`+fieldref.Snake(typ.Field(i).Name)+`"`)
		}
		rows, err := sdb.Query(fmt.Sprintf(`SELECT %s FROM "%s" ORDER BY "id"`, strings.Join(cols, ", "), ti.Name()))
		if err != nil {
			t.Fatalf("%s: %v", ti.Name(), err)
		}
		st[ti.Name()] = []any{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := reflect.New(typ).Elem()
			for i, v := range vals {
				if err := assign(row.Field(i), v); err != nil {
					t.Fatalf("%s.%s: %v", ti.Name(), typ.Field(i).Name, err)
				}
			}
			st[ti.Name()] = append(st[ti.Name()], row.Interface())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return st
}

var timeType = reflect.TypeFor[time.Time]()

// assign sets dst, a field of a row, from v, a value a driver scanned.
func assign(dst reflect.Value, v any) error {
	if dst.Kind() == reflect.Struct && strings.HasPrefix(dst.Type().Name(), "Null[") {
		if v == nil {
			return nil
		}
		dst.Field(1).SetBool(true) // Valid
		return assign(dst.Field(0), v)
	}
	if dst.Kind() == reflect.Pointer {
		if v == nil {
			return nil
		}
		dst.Set(reflect.New(dst.Type().Elem()))
		return assign(dst.Elem(), v)
	}
	if v == nil {
		return fmt.Errorf("NULL in a %v", dst.Type())
	}
	switch {
	case dst.Kind() == reflect.Slice && dst.Type().Elem().Kind() == reflect.Uint8:
		if b, ok := v.([]byte); ok {
			dst.SetBytes(append([]byte{}, b...))
			return nil
		}
	case dst.Type() != timeType && (dst.Kind() == reflect.Slice || dst.Kind() == reflect.Map ||
		dst.Kind() == reflect.Struct || dst.Kind() == reflect.Array):
		// A JSON column.
		var text []byte
		switch j := v.(type) {
		case string:
			text = []byte(j)
		case []byte:
			text = j
		default:
			return fmt.Errorf("%T %v for JSON", v, v)
		}
		return json.Unmarshal(text, dst.Addr().Interface())
	case dst.Type() == timeType:
		tv, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("%T %v for a time", v, v)
		}
		dst.Set(reflect.ValueOf(tv))
		return nil
	}
	switch dst.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n, ok := v.(int64); ok && n >= 0 {
			dst.SetUint(uint64(n))
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch n := v.(type) {
		case int64:
			dst.SetInt(n)
			return nil
		case int32:
			dst.SetInt(int64(n))
			return nil
		case int16:
			dst.SetInt(int64(n))
			return nil
		}
	case reflect.Bool:
		switch b := v.(type) {
		case bool:
			dst.SetBool(b)
			return nil
		case int64:
			dst.SetBool(b != 0)
			return nil
		}
	case reflect.String:
		switch s := v.(type) {
		case string:
			dst.SetString(s)
			return nil
		case []byte:
			dst.SetString(string(s))
			return nil
		}
	case reflect.Float32, reflect.Float64:
		switch f := v.(type) {
		case float64:
			dst.SetFloat(f)
			return nil
		case float32:
			dst.SetFloat(float64(f))
			return nil
		}
	}
	return fmt.Errorf("%T %v for a %v", v, v, dst.Type())
}

// diff compares two states table by table and row by row, times as
// instants within tol; it returns the differences, "" for none.
func diff(want, got state, tol time.Duration) string {
	var b strings.Builder
	for table, rows := range want {
		other := got[table]
		if len(rows) != len(other) {
			fmt.Fprintf(&b, "table %s: %d rows, want %d:\n  got  %+v\n  want %+v\n", table, len(other), len(rows), other, rows)
			continue
		}
		for i := range rows {
			if !equal(reflect.ValueOf(rows[i]), reflect.ValueOf(other[i]), tol) {
				fmt.Fprintf(&b, "table %s row %d:\n  got  %+v\n  want %+v\n", table, i, other[i], rows[i])
			}
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok {
			fmt.Fprintf(&b, "table %s: not in memrel\n", table)
		}
	}
	return b.String()
}

func equal(a, b reflect.Value, tol time.Duration) bool {
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		d := a.Interface().(time.Time).Sub(b.Interface().(time.Time))
		return d <= tol && d >= -tol
	}
	if a.Kind() == reflect.Struct {
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i), tol) {
				return false
			}
		}
		return true
	}
	if a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Uint8 && a.Len() == 0 && b.Len() == 0 {
		return true // a nil []byte is written as an empty one (documented)
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// forEngine runs fn as a subtest per engine: SQLite, then PostgreSQL
// (skipped without a server, outside CI).
func forEngine(t *testing.T, fn func(t *testing.T, e engine)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteEngine) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresEngine(t)) })
}
