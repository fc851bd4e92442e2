// Package sqlschema_test checks the SQL DDL of the example domains against
// golden files (the engine proof is in examples/sqlengines).
package sqlschema_test

import (
	"bytes"
	"flag"
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
		db, err := memrel.Open(d.Schema)
		if err != nil {
			t.Fatal(err)
		}
		for ext, dialect := range map[string]memrel.SQLDialect{"sqlite.sql": memrel.SQLite, "postgres.sql": memrel.PostgreSQL} {
			domains.Golden(t, filepath.Join("testdata", d.Name+"."+ext), *update, "go test -run SQL -update-sql",
				func(b *bytes.Buffer) error { return domains.NoGaps(memrel.WriteSQLSchema(b, db, dialect)) })
		}
	}
}
