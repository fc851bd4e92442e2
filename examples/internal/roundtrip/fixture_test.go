// Package roundtrip tests that every example domain's state survives a
// fixture dump and load, in both formats.
package roundtrip

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/memrel-go/memrel"
	"github.com/memrel-go/memrel/examples/internal/domains"
)

func dump(db *memrel.DB) string {
	tx := db.BeginRead()
	defer tx.Abort()
	return tx.Dump()
}

// monotonic matches the monotonic clock reading that %v prints for a
// time.Time taken from time.Now: it is not data (no encoding keeps it), so
// comparisons leave it out.
var monotonic = regexp.MustCompile(` m=[+-][0-9.]+`)

// rows is a Dump without its sequence lines (a fixture holds rows, not
// sequences) and without monotonic clock readings.
func rows(d string) string {
	var b strings.Builder
	for line := range strings.Lines(d) {
		if !strings.HasPrefix(strings.TrimSpace(line), "sequence ") {
			b.WriteString(line)
		}
	}
	return monotonic.ReplaceAllString(b.String(), "")
}

func dumpFixture(t *testing.T, db *memrel.DB, format memrel.FixtureFormat) string {
	t.Helper()
	var b bytes.Buffer
	if err := db.View(func(tx *memrel.Tx) error { return memrel.DumpFixture(tx, &b, format) }); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Dump then load into an empty DB gives the same rows, and the reloaded
// DB dumps to the same bytes, in both formats, for every domain.
func TestFixtureRoundTripEveryDomain(t *testing.T) {
	for _, d := range domains.All {
		t.Run(d.Name, func(t *testing.T) {
			db, err := d.RunDB(io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			want := dump(db)
			if !strings.Contains(rows(want), "{") {
				t.Fatalf("the walk left no rows:\n%s", want)
			}
			for _, f := range []struct {
				file   string
				format memrel.FixtureFormat
			}{{"all.json", memrel.FixtureJSON}, {"all.jsonl", memrel.FixtureJSONLines}} {
				text := dumpFixture(t, db, f.format)
				path := filepath.Join(t.TempDir(), f.file)
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				db2, err := memrel.Open(d.Schema)
				if err != nil {
					t.Fatal(err)
				}
				if err := memrel.LoadFixtures(db2, path); err != nil {
					t.Fatalf("%s: %v", f.file, err)
				}
				if err := db2.Check(); err != nil {
					t.Errorf("%s: Check after the load: %v", f.file, err)
				}
				if got := dump(db2); rows(got) != rows(want) {
					t.Errorf("%s: the loaded DB differs:\n%s\nwant:\n%s", f.file, got, want)
				}
				if again := dumpFixture(t, db2, f.format); again != text {
					t.Errorf("%s: the loaded DB dumps differently:\n%s\nwant:\n%s", f.file, again, text)
				}
			}
		})
	}
}

// Save then Restore into an empty DB gives the same Dump, sequences
// included, for every domain.
func TestSaveRestoreEveryDomain(t *testing.T) {
	for _, d := range domains.All {
		t.Run(d.Name, func(t *testing.T) {
			db, err := d.RunDB(io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := db.View(func(tx *memrel.Tx) error { return memrel.Save(tx, &b) }); err != nil {
				t.Fatal(err)
			}
			db2, err := memrel.Open(d.Schema)
			if err != nil {
				t.Fatal(err)
			}
			if err := memrel.Restore(db2, &b); err != nil {
				t.Fatal(err)
			}
			want, got := dump(db), dump(db2)
			if monotonic.ReplaceAllString(got, "") != monotonic.ReplaceAllString(want, "") {
				t.Errorf("the restored DB differs:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
