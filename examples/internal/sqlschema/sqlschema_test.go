// Package sqlschema_test checks the SQL DDL of the example domains against
// golden files (the engine proof is in examples/sqlengines).
package sqlschema_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/domains"
)

var update = flag.Bool("update-sql", false, "rewrite testdata from the current output")

// The DDL of the example domains is that in testdata (go test -run SQL
// -update-sql rewrites it), with no gap, and the same on every call.
func TestSQLSchemaGolden(t *testing.T) {
	for _, d := range domains.All {
		name := d.Name
		db, err := memrel.Open(d.Schema)
		if err != nil {
			t.Fatal(err)
		}
		for ext, dialect := range map[string]memrel.SQLDialect{"sqlite.sql": memrel.SQLite, "postgres.sql": memrel.PostgreSQL} {
			var got, again bytes.Buffer
			gaps, err := memrel.WriteSQLSchema(&got, db, dialect)
			if err != nil || len(gaps) > 0 {
				t.Fatalf("%s, %v: gaps %v, error %v", name, dialect, gaps, err)
			}
			if _, err := memrel.WriteSQLSchema(&again, db, dialect); err != nil || again.String() != got.String() {
				t.Errorf("%s.%s: a second call differs (%v)", name, ext, err)
			}
			path := filepath.Join("testdata", name+"."+ext)
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("%s differs from the output:\n%s\n(go test -run SQL -update-sql rewrites it)", path, got.String())
			}
		}
	}
}
