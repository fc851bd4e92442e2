package sqlengines

import (
	"database/sql"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/social"
)

// Edge cases of the export, on each engine: values whose SQL form is easy
// to get wrong, and names PostgreSQL shortens.

type Zero struct {
	ID  int64
	F64 float64
	F32 float32
	NF  memrel.Null[float64]
}

// A negative zero keeps its sign in PostgreSQL; SQLite stores every zero
// as 0 (its REAL has no negative zero), as documented.
func TestNegativeZero(t *testing.T) {
	zeros := memrel.NewTable("zeros", func(r *Zero) *int64 { return &r.ID })
	schema := memrel.Schema{Tables: []memrel.AnyTable{zeros}}
	forEngine(t, func(t *testing.T, e engine) {
		db, err := memrel.Open(schema)
		if err != nil {
			t.Fatal(err)
		}
		negZero := math.Copysign(0, -1)
		err = db.Update(func(tx *memrel.Tx) error {
			_, err := zeros.Insert(tx, Zero{F64: negZero, F32: float32(negZero), NF: memrel.Some(negZero)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sdb := load(t, e, db)
		var f64, f32, nf float64
		if err := sdb.QueryRow(`SELECT "f64", "f32", "nf" FROM "zeros"`).Scan(&f64, &f32, &nf); err != nil {
			t.Fatal(err)
		}
		want := e.dialect == memrel.PostgreSQL
		for _, f := range []float64{f64, f32, nf} {
			if f != 0 || math.Signbit(f) != want {
				t.Errorf("read back %v (sign bit %v), want a zero with sign bit %v", f, math.Signbit(f), want)
			}
		}
	})
}

type Slashed struct {
	ID string // the key: a string
}

type Slashing struct {
	ID     int64
	CodeID string
	Text   string
	Bytes  []byte
	JSON   []string
	NS     memrel.Null[string]
}

// Backslashes, quotes and the like load as they are, in PostgreSQL even
// with standard_conforming_strings off (a server's setting, or an old
// one's default), where a backslash in a plain '...' literal escapes.
func TestBackslashesLoadAsWritten(t *testing.T) {
	codes := memrel.NewTable("slashed", func(r *Slashed) *string { return &r.ID })
	rows := memrel.NewTable("slashing", func(r *Slashing) *int64 { return &r.ID })
	f := memrel.Fields[Slashing]()
	const def = `it's \x41 \' \\ \`
	memrel.ForeignKey(rows, &f.CodeID, codes, memrel.SetDefault).Default(def)
	schema := memrel.Schema{Tables: []memrel.AnyTable{codes, rows}}
	forEngine(t, func(t *testing.T, e engine) {
		for _, scs := range []string{"on", "off"} {
			if scs == "off" && e.dialect != memrel.PostgreSQL {
				continue
			}
			t.Run("standard_conforming_strings="+scs, func(t *testing.T) {
				db, err := memrel.Open(schema)
				if err != nil {
					t.Fatal(err)
				}
				text := "back\\slash \\x41 \\\\ '\\'' \\n \\u0041 \\0 E'\\'' $$ \"\\\"\"\nnewline\ttab ünï 😀"
				err = db.Update(func(tx *memrel.Tx) error {
					for _, c := range []string{def, "b"} {
						if _, err := codes.Insert(tx, Slashed{ID: c}); err != nil {
							return err
						}
					}
					_, err := rows.Insert(tx, Slashing{CodeID: "b", Text: text, Bytes: []byte(`\x41\\'`),
						JSON: []string{text, `\`, `\u0000`}, NS: memrel.Some(`\`)})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				ddl, data, _ := export(t, db, e.dialect)
				sdb := e.open(t)
				if e.dialect == memrel.PostgreSQL {
					if _, err := sdb.Exec("SET standard_conforming_strings = " + scs); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := sdb.Exec(ddl); err != nil {
					t.Fatalf("the DDL: %v\n%s", err, ddl)
				}
				if _, err := sdb.Exec(data); err != nil {
					t.Fatalf("the data: %v\n%s", err, data)
				}
				if d := diff(memrelState(t, db), sqlState(t, sdb, db), e.timeTolerance); d != "" {
					t.Errorf("the rows differ from memrel's:\n%s", d)
				}
				// The column's DEFAULT, which SET DEFAULT writes, is the
				// Default value as written.
				if err := db.Update(del(codes, "b")); err != nil {
					t.Fatal(err)
				}
				if err := execTx(sdb, `DELETE FROM "slashed" WHERE "id" = 'b'`); err != nil {
					t.Fatal(err)
				}
				if d := diff(memrelState(t, db), sqlState(t, sdb, db), e.timeTolerance); d != "" {
					t.Errorf("after SET DEFAULT, the rows differ from memrel's:\n%s", d)
				}
			})
		}
	})
}

type LongParent struct{ ID int64 }

type LongChild struct {
	ID                                  int64
	TheVeryLongParentReferenceFieldName int64
}

// Names longer than PostgreSQL's 63 bytes: the constraint and index names
// made from them stay distinct once PostgreSQL has cut them.
func TestLongNames(t *testing.T) {
	p := memrel.NewTable("an_extremely_long_parent_table_name_for_the_test", func(r *LongParent) *int64 { return &r.ID })
	c := memrel.NewTable("an_extremely_long_child_table_name_for_the_test", func(r *LongChild) *int64 { return &r.ID })
	f := memrel.Fields[LongChild]()
	memrel.OneToOne(c, &f.TheVeryLongParentReferenceFieldName, p, memrel.Cascade)
	m := memrel.ManyToMany(p, "another_quite_long_relation_name", p)
	schema := memrel.Schema{Tables: []memrel.AnyTable{p, c}}
	forEngine(t, func(t *testing.T, e engine) {
		db, err := memrel.Open(schema)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *memrel.Tx) error {
			for range 2 {
				if _, err := p.Insert(tx, LongParent{}); err != nil {
					return err
				}
			}
			if _, err := m.Add(tx, 1, 2); err != nil {
				return err
			}
			_, err := c.Insert(tx, LongChild{TheVeryLongParentReferenceFieldName: 1})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		sdb := load(t, e, db)
		compareDelete(t, e, db, sdb, deletion{memrel: del(p, 1), sql: `DELETE FROM "` + p.Name() + `" WHERE "id" = 1`})
	})
}

// The README loads SQLite with two runs of sqlite3, two connections: the
// data's own script turns foreign keys on for its connection, so that the
// load is checked as the schema's connection would check it.
func TestSQLiteDataOnAnotherConnection(t *testing.T) {
	db := seed(t, domains[0])
	ddl, data, _ := export(t, db, memrel.SQLite)
	path := filepath.Join(t.TempDir(), "blog.db")
	schemaConn, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schemaConn.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	schemaConn.Close()
	dataConn, err := sql.Open("sqlite3", path) // foreign keys off, SQLite's default
	if err != nil {
		t.Fatal(err)
	}
	defer dataConn.Close()
	dataConn.SetMaxOpenConns(1)
	if _, err := dataConn.Exec(data); err != nil {
		t.Fatal(err)
	}
	var on int
	if err := dataConn.QueryRow("PRAGMA foreign_keys").Scan(&on); err != nil || on != 1 {
		t.Errorf("after the data, PRAGMA foreign_keys = %d (%v), want 1", on, err)
	}
	if d := diff(memrelState(t, db), sqlState(t, dataConn, db), 0); d != "" {
		t.Errorf("the rows differ from memrel's:\n%s", d)
	}
}

type Tick struct {
	ID int64
	At time.Time
}

// PostgreSQL keeps microseconds: two times a nanosecond apart, distinct in
// memrel and in SQLite (which keeps the text), are one in PostgreSQL, so a
// unique constraint on them refuses the load there (documented).
func TestUniqueTimesANanosecondApart(t *testing.T) {
	ticks := memrel.NewTable("ticks", func(r *Tick) *int64 { return &r.ID })
	f := memrel.Fields[Tick]()
	u := memrel.Unique(ticks, "uniq_tick_at", &f.At)
	schema := memrel.Schema{Tables: []memrel.AnyTable{ticks}, Constraints: []memrel.Constraint{u}}
	forEngine(t, func(t *testing.T, e engine) {
		db, err := memrel.Open(schema)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 1, 12, 0, 0, 1000, time.UTC)
		err = db.Update(func(tx *memrel.Tx) error {
			for _, d := range []time.Duration{0, 1} {
				if _, err := ticks.Insert(tx, Tick{At: at.Add(d)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ddl, data, _ := export(t, db, e.dialect)
		sdb := e.open(t)
		if _, err := sdb.Exec(ddl); err != nil {
			t.Fatal(err)
		}
		_, err = sdb.Exec(data)
		switch {
		case e.dialect == memrel.SQLite && err != nil:
			t.Errorf("SQLite refused the load: %v", err)
		case e.dialect == memrel.PostgreSQL && (err == nil || !strings.Contains(err.Error(), "SQLSTATE 23505")):
			t.Errorf("PostgreSQL: %v, want a unique violation (documented)", err)
		}
	})
}

// The README's command, psql -f, loads the scripts as written even when
// psql's client encoding is not UTF-8 (it follows the locale: LATIN1
// here), and the standard_conforming_strings of the server is off: the
// scripts say they are UTF-8.
func TestPsqlLoadsAsWritten(t *testing.T) {
	e := postgresEngine(t)
	psql, err := exec.LookPath("psql")
	if err != nil {
		msg := "psql: not found (Debian's postgresql-client package)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	db := seed(t, domains[5]) // social: "é" in bios
	err = db.Update(func(tx *memrel.Tx) error {
		_, err := social.Users.Insert(tx, social.User{Username: `ünï \ 😀 'x'`})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ddl, data, _ := export(t, db, e.dialect)
	dir := t.TempDir()
	for name, text := range map[string]string{"schema.sql": ddl, "data.sql": data} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sdb := e.open(t)
	var schema string
	if err := sdb.QueryRow("SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", filepath.Join(dir, "schema.sql"), "-f", filepath.Join(dir, "data.sql"),
		os.Getenv("MEMREL_POSTGRES_URL"))
	cmd.Env = append(os.Environ(), "PGCLIENTENCODING=LATIN1", "PGOPTIONS=-c search_path="+schema+" -c standard_conforming_strings=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if d := diff(memrelState(t, db), sqlState(t, sdb, db), e.timeTolerance); d != "" {
		t.Errorf("the rows differ from memrel's:\n%s", d)
	}
}
